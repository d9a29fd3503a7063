import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createConnectionPool, type ConnectionPool } from '../../src/transport';
import { parseKnownHosts } from '../../src/transport/known-hosts';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/**
 * Many targets behind one bastion with default MaxStartups, reached through ProxyJump and through
 * ProxyCommand: every host answers, and the bastion's sshd logs exactly one connection from play.
 */

const TARGETS = 24;
let lab: SshdLab;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: TARGETS });
}, 60000);

afterAll(async () => {
  await lab?.teardown();
});

function baseConfig(knownHosts: string): string {
  return `Host *\n  User root\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 5\n`;
}

/** Connects to every target at once (forks = number of targets) and runs one command on each. */
async function runEverywhere(pool: ConnectionPool): Promise<string[]> {
  return Promise.all(
    lab.targets.map(async (target) => {
      const conn = await pool.connect({ name: target.name });
      const result = await conn.run('cat /proc/sys/kernel/hostname >/dev/null; echo "$SSH_CONNECTION"');
      expect(result.exitCode).toBe(0);
      return result.stdout.trim();
    }),
  );
}

function stopControlMaster(configFile: string, controlPath: string): void {
  try {
    execFileSync('ssh', ['-F', configFile, '-o', `ControlPath=${controlPath}`, '-O', 'exit', 'bastion'], { stdio: 'ignore' });
  } catch {
    // no master is running (the connections failed before one started)
  }
}

test('ProxyJump: 24 targets in parallel all answer, over ONE connection to the bastion', async () => {
  const knownHosts = `${lab.dir}/known_hosts.jump`;
  const config = lab.writeFile('ssh_config.jump', `Host bastion\n  HostName ${lab.bastion.address}\n\n${lab.hostBlocks()}\nHost t*\n  ProxyJump bastion\n\n${baseConfig(knownHosts)}`);
  const before = lab.bastion.connectionCount();
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  try {
    const answers = await runEverywhere(pool);
    // sshd's SSH_CONNECTION is "client-ip client-port server-ip server-port": each target saw the bastion's inner address.
    answers.forEach((answer, index) => expect(answer.split(' ')[2]).toBe(lab.targets[index].address));
    expect(new Set(answers.map((answer) => answer.split(' ')[0])).size).toBe(1);
    expect(pool.stats()).toMatchObject({ targets: TARGETS, jumpSessions: 1, handshakes: TARGETS + 1 });
  } finally {
    await pool.closeAll();
  }
  expect(lab.bastion.connectionCount() - before).toBe(1);
  // accept-new recorded the bastion and every target exactly once.
  const entries = parseKnownHosts(readFileSync(knownHosts, 'utf8'), knownHosts);
  expect(entries).toHaveLength(TARGETS + 1);
  expect(new Set(entries.map((entry) => entry.hosts)).size).toBe(TARGETS + 1);
});

test('ProxyCommand (ssh -W through a ControlMaster): 24 targets in parallel, ONE connection to the bastion', async () => {
  const knownHosts = `${lab.dir}/known_hosts.command`;
  const controlPath = `${lab.dir}/cm-%C`;
  const configFile = `${lab.dir}/ssh_config.command`;
  // %%C: ProxyCommand expands only %h %p %r %n, so the inner ssh's own %C token is escaped.
  const proxy = `ssh -F ${configFile} -o ControlMaster=auto -o ControlPath=${controlPath.replace('%', '%%')} -o ControlPersist=60 -o BatchMode=yes -W %h:%p bastion`;
  lab.writeFile('ssh_config.command', `Host bastion\n  HostName ${lab.bastion.address}\n\n${lab.hostBlocks()}\nHost t*\n  ProxyCommand ${proxy}\n\n${baseConfig(knownHosts)}`);
  const before = lab.bastion.connectionCount();
  const pool = createConnectionPool({ sshConfigFile: configFile, agentSocket: null });
  try {
    const answers = await runEverywhere(pool);
    answers.forEach((answer, index) => expect(answer.split(' ')[2]).toBe(lab.targets[index].address));
  } finally {
    await pool.closeAll();
    // The ControlPersist master is ssh's own background process; ask it to exit through its socket.
    stopControlMaster(configFile, controlPath);
  }
  expect(lab.bastion.connectionCount() - before).toBe(1);
});

test('ProxyCommand without multiplexing: 24 separate bastion logins, throttled so default MaxStartups never drops one', async () => {
  const knownHosts = `${lab.dir}/known_hosts.plain`;
  const configFile = `${lab.dir}/ssh_config.plain`;
  lab.writeFile('ssh_config.plain', `Host bastion\n  HostName ${lab.bastion.address}\n\n${lab.hostBlocks()}\nHost t*\n  ProxyCommand ssh -F ${configFile} -o BatchMode=yes -W %h:%p bastion\n\n${baseConfig(knownHosts)}`);
  const before = lab.bastion.connectionCount();
  // Retries (as in a run) absorb a handshake slowed past ConnectTimeout on a busy machine; a login
  // dropped by MaxStartups would be retried too, but the bastion's log below still shows it.
  const pool = createConnectionPool({ sshConfigFile: configFile, agentSocket: null });
  let retries: number;
  try {
    const answers = await runEverywhere(pool);
    answers.forEach((answer, index) => expect(answer.split(' ')[2]).toBe(lab.targets[index].address));
    retries = pool.stats().retries;
  } finally {
    await pool.closeAll();
  }
  expect(lab.bastion.log()).not.toMatch(/drop connection|beginning MaxStartups throttling/);
  const logins = lab.bastion.connectionCount() - before;
  expect(logins).toBeGreaterThanOrEqual(TARGETS);
  expect(logins).toBeLessThanOrEqual(TARGETS + retries);
});

test('a ProxyJump chain (bastion, then t01) reaches the other targets through one session per hop', async () => {
  const knownHosts = `${lab.dir}/known_hosts.chain`;
  const config = lab.writeFile('ssh_config.chain', `Host bastion\n  HostName ${lab.bastion.address}\n\n${lab.hostBlocks()}\nHost t01\n  ProxyJump bastion\nHost t*\n  ProxyJump bastion,t01\n\n${baseConfig(knownHosts)}`);
  const before = lab.bastion.connectionCount();
  const t01Before = lab.targets[0].connectionCount();
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  const others = lab.targets.slice(1, 6);
  try {
    const answers = await Promise.all(others.map(async (target) => (await (await pool.connect({ name: target.name })).run('echo "$SSH_CONNECTION"')).stdout.split(' ')));
    // Each target was entered from t01's address: the second hop really is t01.
    answers.forEach((answer, index) => expect([answer[0], answer[2]]).toEqual([lab.targets[0].address, others[index].address]));
    expect(pool.stats().jumpSessions).toBe(2);
  } finally {
    await pool.closeAll();
  }
  expect(lab.bastion.connectionCount() - before).toBe(1);
  expect(lab.targets[0].connectionCount() - t01Before).toBe(1);
});
