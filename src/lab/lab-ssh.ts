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

const knownHostLines = (host: HostRecord): string[] => host.hostKeys.map((key) => `${[host.name, host.publicAddress ?? host.privateAddress].join(',')} ${key}`);

/** The lab made every host key itself, so its own known_hosts is complete before the first connection. */
export async function writeKnownHosts(file: string, hosts: HostRecord[]): Promise<void> {
  writeFileAtomic(file, `${hosts.flatMap(knownHostLines).join('\n')}\n`);
}

/**
 * The inventory's known_hosts learns hosts it has never seen (as accept-new would on their first
 * connection) and keeps what it has: after a replacement, the old key stays until the operator
 * removes it, exactly as after an instance replacement on AWS.
 */
export async function trustNewHosts(file: string, hosts: HostRecord[]): Promise<void> {
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const known = new Set(lines.map((line) => line.split(/\s/)[0].split(',')[0]));
  const added = hosts.filter((host) => !known.has(host.name)).flatMap(knownHostLines);
  if (added.length > 0) writeFileAtomic(file, `${[...lines, ...added].join('\n')}\n`);
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

export function labSshFiles(stateDir: string): LabSshFiles {
  return { privateKey: path.join(stateDir, 'id_ed25519'), knownHosts: path.join(stateDir, 'known_hosts'), config: path.join(stateDir, 'ssh.config') };
}

export function assertHostKnown(hosts: HostRecord[], name: string): HostRecord {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new LabError(`no host named ${name} in the lab (hosts: ${hosts.map((h) => h.name).join(', ')})`);
  return host;
}
