import { execFileSync, type ChildProcess } from 'node:child_process';

/**
 * Throwaway network namespaces for tests (root only), all named `<prefix>-<name>`, and the
 * processes started in them: cleanup() kills those and deletes the namespaces, whatever happened.
 */
export interface ScratchNetns {
  ip(...args: string[]): string;
  inNetns(netns: string, command: string[], input?: string): string;
  /** Creates `<prefix>-<name>` with its loopback up; returns the full name. */
  netns(name: string): string;
  /** A process to kill at cleanup. */
  track<T extends ChildProcess>(process: T): T;
  cleanup(): void;
}

export function scratchNetns(prefix: string): ScratchNetns {
  const namespaces: string[] = [];
  const processes: ChildProcess[] = [];
  const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
  return {
    ip,
    inNetns: (netns, command, input) => execFileSync('ip', ['netns', 'exec', netns, ...command], { encoding: 'utf8', input }),
    netns(name) {
      const full = `${prefix}-${name}`;
      ip('netns', 'add', full);
      namespaces.push(full);
      ip('-n', full, 'link', 'set', 'lo', 'up');
      return full;
    },
    track(process) {
      processes.push(process);
      return process;
    },
    cleanup() {
      for (const process of processes) process.kill('SIGKILL');
      for (const name of namespaces) ip('netns', 'delete', name);
    },
  };
}
