import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunConnections, type HostConnector } from '../../src/engine/run/connections';
import { sshTargetOf } from '../../src/engine/run/ssh-target';
import { createConnectionPool, TransportError, type Connection, type SshTarget } from '../../src/transport';

/** The engine maps a host's connection variables to the transport's target; every refusal names the variable. */

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'play-ssh-target-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function refusal(vars: Record<string, unknown>): string {
  try {
    sshTargetOf('web', vars, '/project');
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ host: 'web', hop: 'target', kind: 'config' });
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

test('Ansible and play variables become the typed target; relative files are relative to inventory_dir, else the base directory', () => {
  expect(
    sshTargetOf('web', { ansible_host: '10.0.1.5', ansible_port: '2200', ansible_user: 'deploy', ansible_ssh_private_key_file: '~/.ssh/web', play_ssh_config: 'ssh.config', play_known_hosts: '/kh/known_hosts', inventory_dir: '/inv/staging' }, '/project'),
  ).toEqual({ name: 'web', hostName: '10.0.1.5', port: 2200, user: 'deploy', identityFile: '~/.ssh/web', sshConfigFile: '/inv/staging/ssh.config', knownHostsFile: '/kh/known_hosts' });
  expect(sshTargetOf('web', { play_ssh_config: 'ssh.config', play_known_hosts: 'kh' }, '/project')).toMatchObject({ sshConfigFile: '/project/ssh.config', knownHostsFile: '/project/kh' });
  expect(sshTargetOf('web', { ansible_port: 22, ansible_host: null }, '/project')).toMatchObject({ port: 22, hostName: undefined });
  expect(sshTargetOf('web', {}, '/project')).toEqual({ name: 'web' });
});

test('bad values are config errors of the host that name the variable', () => {
  expect(refusal({ ansible_port: 'ssh' })).toBe('web: host web, ansible_port: not a port number: "ssh"');
  expect(refusal({ ansible_port: 70000 })).toBe('web: host web, ansible_port: not a port number: 70000');
  expect(refusal({ ansible_host: '' })).toBe('web: host web, ansible_host: must be a non-empty string, got ""');
  expect(refusal({ ansible_user: 7 })).toBe('web: host web, ansible_user: must be a non-empty string, got 7');
  expect(refusal({ play_ssh_config: null })).toBe('web: host web, play_ssh_config: must be a path, got null');
  expect(refusal({ ansible_host: '10.0.0.5$(touch /tmp/x)' })).toBe('web: host web, ansible_host: invalid host name "10.0.0.5$(touch /tmp/x)": it contains "$"');
  expect(refusal({ ansible_host: 'web-1.internal,*' })).toBe('web: host web, ansible_host: invalid host name "web-1.internal,*": it contains ","');
  expect(refusal({ ansible_user: 'deploy x' })).toBe('web: host web, ansible_user: invalid user name "deploy x": it contains whitespace');
});

test('the run asks the pool with the mapped target, on first use, relative to its base directory; a bad variable fails that use', async () => {
  const asked: SshTarget[] = [];
  const connector: HostConnector = {
    connect: async (target) => {
      asked.push(target);
      return { host: target.name, run: async () => ({ stdout: 'ok', stderr: '', exitCode: 0 }) } as unknown as Connection;
    },
    closeAll: async () => undefined,
  };
  const connections = new RunConnections(connector, { baseDir: '/project' });
  const conn = connections.forHost('web', { ansible_host: '10.0.1.5', play_ssh_config: 'ssh.config' });
  expect(asked).toEqual([]);
  expect((await conn.run('true')).stdout).toBe('ok');
  expect(asked).toEqual([{ name: 'web', hostName: '10.0.1.5', port: undefined, user: undefined, identityFile: undefined, sshConfigFile: '/project/ssh.config', knownHostsFile: undefined }]);
  await expect(connections.forHost('bad', { ansible_port: 'ssh' }).run('true')).rejects.toThrow('bad: host bad, ansible_port: not a port number: "ssh"');
});

test('an ansible_host with shell syntax never reaches the ProxyCommand shell', async () => {
  const marker = path.join(dir, 'marker');
  writeFileSync(path.join(dir, 'ssh.config'), 'Host *\n  ProxyCommand true %h %p %r\n');
  const connections = new RunConnections(createConnectionPool({ agentSocket: null, connectAttempts: 1 }), { baseDir: dir });
  try {
    const error = await connections
      .forHost('web', { ansible_host: `10.0.0.5$(touch ${marker})`, play_ssh_config: 'ssh.config' })
      .run('true')
      .catch((err: unknown) => err);
    expect(existsSync(marker)).toBe(false);
    expect(error).toMatchObject({ kind: 'config', message: expect.stringContaining('ansible_host: invalid host name') });
  } finally {
    await connections.closeAll();
  }
});
