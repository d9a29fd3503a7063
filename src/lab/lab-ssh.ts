import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { LabError, run, tryRun, waitFor, type RunResult } from './exec';
import { ADMIN_USER } from './base-rootfs';
import type { HostRecord } from './state';

export interface LabSshFiles {
  privateKey: string;
  knownHosts: string;
  /** The lab's own ssh config: every host, the load balancer included (the inventory has no LB host). */
  config: string;
}

export async function createAdminKey(privateKey: string, labName: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `play-lab-${labName}`, '-f', privateKey]);
  return readFile(`${privateKey}.pub`, 'utf8');
}

/** The lab made every host key itself, so known_hosts is complete before the first connection. */
export async function writeKnownHosts(file: string, hosts: HostRecord[]): Promise<void> {
  const lines = hosts.flatMap((host) => {
    const names = [host.name, host.publicAddress ?? host.privateAddress].join(',');
    return host.hostKeys.map((key) => `${names} ${key}`);
  });
  writeFileAtomic(file, `${lines.join('\n')}\n`);
}

/** Public hosts direct, private ones through the bastion; host keys strictly checked (they are known). */
export async function writeLabSshConfig(files: LabSshFiles, hosts: HostRecord[]): Promise<void> {
  const blocks = hosts.map((host) =>
    [
      `Host ${host.name}`,
      `  HostName ${host.publicAddress ?? host.privateAddress}`,
      ...(host.publicAddress === undefined ? ['  ProxyJump bastion'] : []),
    ].join('\n'),
  );
  const common = [
    'Host *',
    `  User ${ADMIN_USER}`,
    `  IdentityFile "${files.privateKey}"`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile "${files.knownHosts}"`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 5',
    '  LogLevel ERROR',
  ].join('\n');
  writeFileAtomic(files.config, `# play lab: the lab's own ssh config (generated)\n${blocks.join('\n\n')}\n\n${common}\n`);
}

/** Runs a shell command on a lab host as the admin user. */
export function sshRun(config: string, host: string, command: string, input?: string): Promise<RunResult> {
  return run('ssh', ['-F', config, host, command], { input });
}

export async function waitForSsh(config: string, host: string, timeoutMs: number): Promise<void> {
  await waitFor(`SSH on ${host}`, timeoutMs, async () => ((await tryRun('ssh', ['-F', config, '-o', 'ConnectTimeout=10', host, 'true'])).code === 0 ? true : undefined));
}

export function labSshFiles(stateDir: string, knownHosts: string): LabSshFiles {
  return { privateKey: path.join(stateDir, 'id_ed25519'), knownHosts, config: path.join(stateDir, 'ssh.config') };
}

export function assertHostKnown(hosts: HostRecord[], name: string): HostRecord {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new LabError(`no host named ${name} in the lab (hosts: ${hosts.map((h) => h.name).join(', ')})`);
  return host;
}
