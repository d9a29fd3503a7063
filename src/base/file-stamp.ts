import { statSync } from 'node:fs';

/**
 * A file's identity and version: device, inode, size and change times to the nanosecond. What was
 * read from a file while its stamp stays the same may be used again; undefined when the file
 * cannot be stat'ed (its reader then reports why).
 */
export function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}
