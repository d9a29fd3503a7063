import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../src/lab/exec';
import { unifiedHierarchy } from '../../src/lab/host-cgroup';

const EMPTY_WAIT_MS = 10_000;

/**
 * A cgroup v2 group for processes whose CPU a test or bench measures. The kernel charges a
 * process's time to its cgroup as it runs, and keeps it there after the process ends, so a
 * reading never depends on when (or by whom) the process is reaped. Summing /proc over a process
 * tree does: a child reaped between reading its parent and reading it is missed, and once PIDs
 * wrap (pid_max is 32768 here) a child read before its parent can be counted twice.
 */
export interface CpuCgroup {
  dir: string;
  /** The command line that starts `command` inside the group (everything it forks stays there). */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** CPU seconds (user + system) used in the group since it was made. */
  cpuSeconds(): number;
  /** Kill whatever is still inside, wait until it is empty, remove it. Idempotent. */
  remove(): Promise<void>;
}

export function createCpuCgroup(parent: string, name: string): CpuCgroup {
  const hierarchy = unifiedHierarchy();
  if (!hierarchy) throw new Error('CPU accounting needs the cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified), and this machine has none');
  const dir = path.join(hierarchy, parent, name);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    wrap: (command, args) => ({ command: 'sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', path.join(dir, 'cgroup.procs'), command, ...args] }),
    cpuSeconds: () => {
      const usage = /^usage_usec (\d+)$/m.exec(readFileSync(path.join(dir, 'cpu.stat'), 'utf8'));
      if (!usage) throw new Error(`${dir}/cpu.stat has no usage_usec`);
      return Number(usage[1]) / 1e6;
    },
    remove: async () => {
      if (!existsSync(dir)) return;
      writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      const empty = async () => (/^populated 0$/m.test(readFileSync(path.join(dir, 'cgroup.events'), 'utf8')) ? true : undefined);
      await waitFor(`${dir} to empty after cgroup.kill`, EMPTY_WAIT_MS, empty);
      rmdirSync(dir);
      try {
        rmdirSync(path.join(hierarchy, parent));
      } catch {
        // another group of this parent is still there: the last one removes it
      }
    },
  };
}
