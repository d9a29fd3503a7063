import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { withLockFile } from '../base/lock-file';
import { CACHE_ROOT } from './layout';

export interface CachedBuild {
  /** e.g. rootfs-bookworm; the directory is <CACHE_ROOT>/<prefix>-<recipe>. */
  prefix: string;
  /** Hash of everything that goes into the build: a changed recipe is a new directory. */
  recipe: string;
  /** Fills the (empty, existing) directory. */
  build: (dir: string) => Promise<void>;
}

/** A cold build (debootstrap, then every package downloaded) takes minutes; a waiting lab allows for a slow mirror. */
const BUILD_LOCK_TIMEOUT_MS = 30 * 60_000;

/**
 * A cache entry appears under its final name only once complete (built aside, then renamed),
 * so its existence is the proof. Several labs (parallel jest workers, a user's lab) may need it
 * at once: one builds under the entry's lock, the others wait, then find it built. Older recipes
 * are pruned, except one still mounted by a running lab's overlays: deleting a lower layer under
 * a live overlay would break that lab.
 */
export async function ensureCachedBuild(entry: CachedBuild): Promise<string> {
  const dir = path.join(CACHE_ROOT, `${entry.prefix}-${entry.recipe}`);
  if (existsSync(dir)) return dir;
  await mkdir(CACHE_ROOT, { recursive: true });
  const build = async (): Promise<string> => {
    if (existsSync(dir)) return dir;
    const building = `${dir}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    await entry.build(building);
    await rename(building, dir);
    await pruneOlderBuilds(entry.prefix, dir);
    return dir;
  };
  return withLockFile(path.join(CACHE_ROOT, `${entry.prefix}.lock`), build, { timeoutMs: BUILD_LOCK_TIMEOUT_MS });
}

async function pruneOlderBuilds(prefix: string, keep: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  const stale = readdirSync(CACHE_ROOT)
    .filter((name) => name.startsWith(`${prefix}-`) && !name.endsWith('.lock'))
    .map((name) => path.join(CACHE_ROOT, name))
    .filter((dir) => dir !== keep && !mounts.includes(dir));
  for (const dir of stale) await rm(dir, { recursive: true, force: true });
}
