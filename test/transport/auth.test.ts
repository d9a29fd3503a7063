import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createConnectionPool, type ConnectionPoolOptions } from '../../src/transport';
import { PASSPHRASE_ENV } from '../../src/transport/identities';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/** Key files of every type OpenSSH makes, encrypted keys, and ssh-agent, against a real sshd behind the bastion. */

let lab: SshdLab;
let config: string;
let agent: ChildProcess | undefined;

function makeKey(name: string, args: string[], passphrase = ''): string {
  const file = `${lab.dir}/${name}`;
  execFileSync('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', name, '-f', file]);
  appendFileSync(`${lab.dir}/authorized_keys`, readFileSync(`${file}.pub`));
  return file;
}

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 1 });
  config = lab.writeFile(
    'ssh_config.auth',
    `Host bastion\n  HostName ${lab.bastion.address}\n  IdentityFile ${lab.clientKey}\n\n${lab.hostBlocks()}\nHost t01\n  ProxyJump bastion\n  IdentityFile /nonexistent/key\n  IdentitiesOnly yes\n\nHost *\n  User root\n  UserKnownHostsFile ${lab.dir}/known_hosts.auth\n`,
  );
}, 60000);

afterAll(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGTERM');
  await lab?.teardown();
});

async function whoAmI(keyFile: string | undefined, options: ConnectionPoolOptions = {}): Promise<string> {
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null, connectAttempts: 1, ...options });
  try {
    const conn = await pool.connect({ name: 't01', identityFile: keyFile });
    return (await conn.run('id -un')).stdout.trim();
  } finally {
    await pool.closeAll();
  }
}

test.each([
  ['ed25519', ['-t', 'ed25519']],
  ['ecdsa', ['-t', 'ecdsa', '-b', '256']],
  ['rsa', ['-t', 'rsa', '-b', '2048']],
])('a plain %s key file logs in', async (name, args) => {
  expect(await whoAmI(makeKey(`id_${name}`, args))).toBe('root');
});

test('an encrypted key is opened with PLAY_SSH_PASSPHRASE; a wrong one is a clear config error', async () => {
  const key = makeKey('id_locked', ['-t', 'ed25519'], 'correct horse');
  const saved = process.env[PASSPHRASE_ENV];
  try {
    process.env[PASSPHRASE_ENV] = 'correct horse';
    expect(await whoAmI(key)).toBe('root');
    process.env[PASSPHRASE_ENV] = 'wrong';
    await expect(whoAmI(key)).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining(`identity file ${key}: wrong passphrase`) });
    delete process.env[PASSPHRASE_ENV];
    // No terminal under jest: it says how to provide the passphrase instead of hanging on a prompt.
    await expect(whoAmI(key)).rejects.toThrow(`identity file ${key} is encrypted: set ${PASSPHRASE_ENV}`);
  } finally {
    if (saved === undefined) delete process.env[PASSPHRASE_ENV];
    else process.env[PASSPHRASE_ENV] = saved;
  }
});

test('ssh-agent (SSH_AUTH_SOCK) provides the key when no key file is usable', async () => {
  const key = makeKey('id_agent', ['-t', 'ed25519']);
  const socket = `${lab.dir}/agent.sock`;
  agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let waited = 0; !existsSync(socket) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  // The config's IdentitiesOnly yes stands for t01, so the agent is offered only when the key file is given and missing.
  const agentConfig = lab.writeFile('ssh_config.agent', readFileSync(config, 'utf8').replace('  IdentitiesOnly yes\n', ''));
  const pool = createConnectionPool({ sshConfigFile: agentConfig, agentSocket: socket, connectAttempts: 1 });
  try {
    const conn = await pool.connect({ name: 't01' });
    expect((await conn.run('id -un')).stdout.trim()).toBe('root');
  } finally {
    await pool.closeAll();
  }
  await expect(whoAmI(undefined, { agentSocket: null })).rejects.toMatchObject({ kind: 'auth', hop: 'target' });
});
