import { spawn } from 'node:child_process';
import type { ExecResult } from './shell-connection';

/**
 * Process groups of commands still running. Play's own exit (a second Ctrl-C calls process.exit)
 * must not leave them behind: being in their own group, nothing else would ever stop them.
 */
const runningGroups = new Set<number>();

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // The group already ended on its own.
  }
}

function killRunningGroups(): void {
  for (const pgid of runningGroups) killGroup(pgid);
  runningGroups.clear();
}

/**
 * Runs `command` with /bin/sh in a process group of its own, so a terminal Ctrl-C (SIGINT to play's
 * foreground group) does not reach it and play can let it finish. Feeds stdin, collects output and
 * status. On timeout the whole group (the shell and everything it started) is killed and 'timeout'
 * is returned.
 */
export function runInOwnGroup(command: string, stdin: string | Buffer | undefined, timeoutMs: number | undefined): Promise<ExecResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    // detached = setsid(): the shell leads a new process group whose id is its pid.
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const pgid = child.pid;
    if (pgid !== undefined) {
      if (runningGroups.size === 0) process.once('exit', killRunningGroups);
      runningGroups.add(pgid);
    }
    const settle = () => {
      clearTimeout(timer);
      if (pgid === undefined) return;
      runningGroups.delete(pgid);
      if (runningGroups.size === 0) process.off('exit', killRunningGroups);
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      if (pgid !== undefined) killGroup(pgid);
      settle();
      resolve('timeout');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command that never reads its stdin closes the pipe early; that is not an error.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (code, signal) => {
      settle();
      if (timedOut) return;
      resolve({
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        exitCode: code ?? 255,
        ...(signal ? { signal } : {}),
      });
    });
    child.stdin.end(stdin ?? '');
  });
}
