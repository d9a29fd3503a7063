import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
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

/** How long the processes of a killed tree may take to go: a guest's whole systemd, on a busy machine. */
const EXIT_TIMEOUT_MS = 30_000;
/** How long an rmdir may find a just-emptied group still busy (the kernel releasing it). */
const RMDIR_TIMEOUT_MS = 5_000;

/**
 * Kills everything in a cgroup tree, waits until the kernel has let every process go, then
 * removes the tree deepest first; its parent goes too when nothing else uses it. In cgroup v2,
 * cgroup.kill takes the whole subtree at once, so a process forking meanwhile cannot escape; a
 * v1 hierarchy (name=systemd on a hybrid machine) has no such file, and each process is killed
 * by pid, again until none is left. An rmdir before the processes are gone fails, and a tree
 * left then would stay for good: what cannot be removed is an error naming it.
 */
export async function removeCgroupTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const killFile = path.join(dir, 'cgroup.kill');
  await waitFor(`the processes in ${dir} to exit`, EXIT_TIMEOUT_MS, async () => {
    const left = processesInCgroupTree(dir);
    if (left.length === 0) return true;
    if (existsSync(killFile)) writeFileSync(killFile, '1');
    else for (const pid of left) killQuietly(pid);
    return undefined;
  });
  for (const cgroup of [...subdirectories(dir).sort((a, b) => b.length - a.length), dir]) {
    await waitFor(`cgroup ${cgroup} to be removable`, RMDIR_TIMEOUT_MS, async () => {
      try {
        rmdirSync(cgroup);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return true;
        if (code === 'EBUSY') return undefined;
        throw err;
      }
    });
  }
  rmdirQuietly(path.dirname(dir));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Exited meanwhile.
  }
}

/** Every process still inside a cgroup tree (a group removed while it is read has none). */
export function processesInCgroupTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return [dir, ...subdirectories(dir)].flatMap((cgroup) => {
    let procs: string;
    try {
      procs = readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return procs.split('\n').filter(Boolean).map(Number);
  });
}

/** The lab's host cgroups, found by name (for the sweep after a crash). */
export function labCgroups(tag: string): string[] {
  return systemdHierarchies().flatMap((hierarchy) => {
    const parent = path.join(hierarchy, LAB_CGROUP);
    return existsSync(parent) ? readdirSync(parent).filter((entry) => entry.startsWith(`${tag}-`)).map((entry) => path.join(parent, entry)) : [];
  });
}

/** Every group below `dir`; one removed meanwhile (a dying guest's systemd cleaning up) is simply not there. */
function subdirectories(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((entry) => entry.isDirectory()).flatMap((entry) => [path.join(dir, entry.name), ...subdirectories(path.join(dir, entry.name))]);
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Another lab's groups are still in it: the last lab down removes it.
  }
}
