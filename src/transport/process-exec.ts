import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ExecResult } from './shell-connection';

/**
 * Feeds stdin to a spawned child and collects its output and status. On timeout the child's
 * process group (which we started, so we know its id) is killed and 'timeout' is returned.
 */
export function collectProcess(child: ChildProcessWithoutNullStreams, stdin: string | Buffer | undefined, timeoutMs: number | undefined): Promise<ExecResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    // The child leads its own process group (spawned detached), so the kill reaches the commands the shell started too.
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      resolve('timeout');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command that never reads its stdin closes the pipe early; that is not an error.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
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
