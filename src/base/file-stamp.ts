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

/**
 * What was loaded from each file, kept with the file's stamp and loaded again once the stamp
 * differs. The stamp is taken before the load: a write in between makes the next stamp differ, so
 * nothing older than the file is ever kept. A file without a stamp (missing) is loaded every time,
 * and so is one whose last load failed.
 */
export class StampedCache<T> {
  private readonly held = new Map<string, { stamp: string; value: T }>();

  get(path: string, load: () => T): T {
    const stamp = fileStamp(path);
    if (stamp === undefined) return load();
    const held = this.held.get(path);
    if (held?.stamp === stamp) return held.value;
    const value = load();
    this.held.set(path, { stamp, value });
    // A load that fails is not kept (a thrown one never got here): the next call tries again.
    if (value instanceof Promise) value.catch(() => this.held.get(path)?.value === value && this.held.delete(path));
    return value;
  }
}
