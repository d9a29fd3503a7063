import { execFile } from 'node:child_process';

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real OpenSSH client with the inventory's ssh.config, so the lab is tested independently
 * of play's own transport. BatchMode: a prompt would be a failure, not a hang; host keys must
 * match the pinned known_hosts.
 */
export function ssh(sshConfig: string, host: string, command: string, timeoutMs = 30_000): Promise<SshResult> {
  return new Promise((resolve) => {
    execFile(
      'ssh',
      ['-F', sshConfig, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', host, command],
      { timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stdout, stderr }),
    );
  });
}

/** Like ssh, but a non-zero exit fails the test with the remote stderr. */
export async function sshOk(sshConfig: string, host: string, command: string, timeoutMs?: number): Promise<string> {
  const result = await ssh(sshConfig, host, command, timeoutMs);
  if (result.code !== 0) throw new Error(`ssh ${host} ${command}: exit ${result.code}\n${result.stderr}`);
  return result.stdout;
}

export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
