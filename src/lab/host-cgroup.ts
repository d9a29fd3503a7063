import { existsSync, readdirSync, readFileSync, rmdirSync, type Dirent } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from './exec';

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
 * Empties and removes host cgroup trees, deepest group first; the shared parent goes when no lab
 * uses it. What is still inside is killed by thread id (v1's `tasks`, v2's `cgroup.threads`: a
 * process whose leader has exited is gone from cgroup.procs while its other threads keep the
 * group busy). A guest's last process can outlive SIGKILL for minutes: the signal waits for an
 * uninterruptible sleep to end (the guest's final sync, on a busy disk), and a group stays busy
 * a moment after its last task is gone. Hence one deadline for all the trees, a line to the log
 * naming what is awaited, and the groups still there returned rather than thrown, so the caller
 * finishes the rest of its teardown first.
 */
export async function removeCgroupTrees(dirs: string[], timeoutMs: number, log: (line: string) => void): Promise<string[]> {
  const started = Date.now();
  let told = false;
  for (;;) {
    for (const dir of dirs.filter((d) => existsSync(d))) {
      for (const tid of threadsInCgroupTree(dir)) killQuietly(tid);
      for (const group of [...subdirectories(dir).sort((a, b) => b.length - a.length), dir]) rmdirQuietly(group);
    }
    const left = dirs.filter((d) => existsSync(d));
    if (left.length === 0 || Date.now() - started > timeoutMs) {
      for (const parent of new Set(dirs.map((d) => path.dirname(d)))) rmdirQuietly(parent);
      return left;
    }
    if (!told && Date.now() - started > 5_000) {
      told = true;
      log(`waiting up to ${Math.round(timeoutMs / 1000)} s for ${left.join(', ')} to empty: ${left.flatMap(threadsInCgroupTree).map(describeTask).join(', ') || 'no task left, still busy'}`);
    }
    await sleep(200);
  }
}

function threadsInCgroupTree(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const list = existsSync(path.join(dir, 'tasks')) ? 'tasks' : 'cgroup.threads';
  return [dir, ...subdirectories(dir)].flatMap((cgroup) => {
    try {
      return readFileSync(path.join(cgroup, list), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** `1234 systemd-shutdown (D)`: what a stuck teardown waits for, from /proc/<tid>/stat. */
function describeTask(tid: number): string {
  try {
    const stat = readFileSync(`/proc/${tid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return `${tid} ${stat.slice(stat.indexOf('(') + 1, close)} (${stat.slice(close + 2, close + 3)})`;
  } catch {
    return `${tid}`;
  }
}

function killQuietly(tid: number): void {
  try {
    process.kill(tid, 'SIGKILL');
  } catch {
    // Exited meanwhile.
  }
}

/** The lab's host cgroups, found by name (for the sweep after a crash). */
export function labCgroups(tag: string): string[] {
  return systemdHierarchies().flatMap((hierarchy) => {
    const parent = path.join(hierarchy, LAB_CGROUP);
    return existsSync(parent) ? readdirSync(parent).filter((entry) => entry.startsWith(`${tag}-`)).map((entry) => path.join(parent, entry)) : [];
  });
}

/** Every group below `dir`; one that goes away while it is listed (its host's systemd removed it) is simply not there. */
function subdirectories(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((entry) => entry.isDirectory()).flatMap((entry) => {
    const child = path.join(dir, entry.name);
    return [child, ...subdirectories(child)];
  });
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Busy (a process is still inside) or shared: left for the final check / another lab.
  }
}
