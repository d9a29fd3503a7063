import { readFileSync } from 'node:fs';
import { sleep } from './exec';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a running process, or undefined when there is none (or it is a zombie). */
export function commandLine(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? undefined : text.split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Ends a process this lab started, by PID. A recorded PID may have been reused by an unrelated
 * process (e.g. after a machine reboot), so it is only signalled when its command line still
 * carries the marker the lab started it with.
 */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<void> {
  const ours = (): boolean => commandLine(pid)?.includes(marker) ?? false;
  if (!ours()) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!ours()) return;
    await sleep(100);
  }
  if (ours()) signal(pid, 'SIGKILL');
  while (ours()) await sleep(50);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the check and the signal: that is the goal.
  }
}
