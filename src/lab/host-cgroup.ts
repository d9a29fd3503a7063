import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from './exec';

const CGROUP_ROOT = '/sys/fs/cgroup';
const LAB_CGROUP = 'play-lab';

/*
 * Without --register (there is no system bus here) systemd-nspawn stays in its caller's cgroup
 * and puts the guest in `<that>/payload`. Two hosts started from the same cgroup would then
 * share one cgroup tree: one guest's systemd would see, and on stop or reboot kill, the other
 * guests' services. So every host's supervisor first moves itself into a cgroup of its own, in
 * every hierarchy systemd uses (name=systemd and unified on a hybrid machine, one on pure v2).
 */
export function systemdHierarchies(): string[] {
  if (existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) return [CGROUP_ROOT];
  return ['systemd', 'unified'].map((h) => path.join(CGROUP_ROOT, h)).filter((dir) => existsSync(path.join(dir, 'cgroup.procs')));
}

/** The cgroup v2 hierarchy (the whole tree on a pure v2 machine, `unified` on a hybrid one), if there is one. */
export function unifiedHierarchy(): string | undefined {
  return [CGROUP_ROOT, path.join(CGROUP_ROOT, 'unified')].find((dir) => existsSync(path.join(dir, 'cgroup.controllers')));
}

export function hostCgroups(hostId: string): string[] {
  return systemdHierarchies().map((hierarchy) => path.join(hierarchy, LAB_CGROUP, hostId));
}

export async function createCgroups(dirs: string[]): Promise<void> {
  for (const dir of dirs) await mkdir(dir, { recursive: true });
}

/**
 * rmdir deepest first (a cgroup goes only when empty); the shared parent goes when no lab uses it.
 * A group whose last processes were just killed stays busy a moment after cgroup.procs is empty
 * (the kernel is still tearing them down): such an rmdir is tried again for a while.
 */
export async function removeCgroupTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const child of subdirectories(dir).sort((a, b) => b.length - a.length)) await rmdirWhenFree(child);
  await rmdirWhenFree(dir);
  rmdirQuietly(path.dirname(dir));
}

async function rmdirWhenFree(dir: string, timeoutMs = 5_000): Promise<void> {
  try {
    await waitFor(`cgroup ${dir} to be free`, timeoutMs, async () => {
      try {
        rmdirSync(dir);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EBUSY' ? undefined : true;
      }
    });
  } catch {
    // Still busy (a process is still inside): left for the final check.
  }
}

/** Every process still inside a host's cgroup tree: a guest left behind by a killed nspawn. */
export function processesInCgroupTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return [dir, ...subdirectories(dir)].flatMap((cgroup) =>
    readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number),
  );
}

/** The lab's host cgroups, found by name (for the sweep after a crash). */
export function labCgroups(tag: string): string[] {
  return systemdHierarchies().flatMap((hierarchy) => {
    const parent = path.join(hierarchy, LAB_CGROUP);
    return existsSync(parent) ? readdirSync(parent).filter((entry) => entry.startsWith(`${tag}-`)).map((entry) => path.join(parent, entry)) : [];
  });
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .map((entry) => path.join(dir, entry))
    .filter((entry) => statSync(entry).isDirectory())
    .flatMap((entry) => [entry, ...subdirectories(entry)]);
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Busy (a process is still inside) or shared: left for the final check / another lab.
  }
}
