import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of the file written, set exactly (the umask does not apply). Default: 0o644 less the umask. */
  mode?: number;
  /** An existing file keeps its permission bits; `mode` is then for a new file only. */
  keepMode?: boolean;
}

/**
 * Writes a file so readers see the old content or the new, never a torn mix, and a crash right
 * after leaves the new one: a temporary file in the same directory (same filesystem, so rename is
 * atomic), flushed, renamed over the target, then the directory flushed so the rename lasts.
 *
 * The temporary name is random and created exclusively (O_EXCL): a file or symlink someone placed
 * at that name fails the write instead of being written through. Synchronous, so one
 * implementation serves every caller; the files written are small.
 */
export function writeFileAtomic(file: string, content: string | Buffer, options: AtomicWriteOptions = {}): void {
  const mode = options.keepMode ? (existingMode(file) ?? options.mode) : options.mode;
  const directory = path.dirname(file);
  const temp = path.join(directory, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode ?? 0o644);
  try {
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDirectory(directory);
}

function existingMode(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } catch (err) {
    // Some filesystems cannot sync a directory; the rename is done and atomic, only its durability is theirs.
    if (!['EINVAL', 'ENOTSUP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}
