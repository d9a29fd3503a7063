import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const PAGE_SIZE = 4096;
/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcessStat {
  ppid: number;
  /**
   * utime + stime + cutime + cstime: the CPU the process used, plus that of every descendant it
   * (or a descendant) has reaped. Summed over the live processes of a tree, this is the tree's whole
   * CPU time, each tick counted once: a process's time moves into its parent's cutime/cstime only
   * when the parent reaps it.
   */
  cpuTicks: number;
}

/** Every live process, from /proc/<pid>/stat (fields counted after the parenthesised name). */
function processTable(): Map<number, ProcessStat> {
  const table = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
    } catch {
      // the process ended while we listed /proc
    }
  }
  return table;
}

/** The given processes and all their live descendants, from one reading of /proc. */
function descendants(roots: number[], table: Map<number, ProcessStat>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const seen = new Set<number>();
  const pending = roots.filter((pid) => table.has(pid));
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

function residentBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

/** Resident memory of a process and all its descendants, summed (Ansible's forks and ssh clients count). */
export function treeResidentBytes(root: number): number {
  return descendants([root], processTable()).reduce((total, pid) => total + residentBytes(pid), 0);
}

/**
 * CPU seconds (user + system) the given processes and everything under them have used so far,
 * including descendants that already ended and were reaped inside the tree. A process that leaves
 * the tree (a daemon re-parented to init) takes its time with it: callers find such processes
 * themselves (processesMentioning) and count them as roots of their own.
 */
export function treeCpuSeconds(roots: number[]): number {
  const table = processTable();
  return descendants(roots, table).reduce((ticks, pid) => ticks + table.get(pid)!.cpuTicks, 0) / CLOCK_TICKS;
}

/**
 * Live processes whose command line (as shown by ps, which includes what a process wrote over its
 * argv with setproctitle, as sshd and ssh's mux master do) contains `text`.
 */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(text)) found.push(Number(entry));
    } catch {
      // the process ended while we listed /proc
    }
  }
  return found;
}
