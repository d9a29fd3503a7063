import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnectionPool, RemoteFileError, TransportError, type Connection, type ConnectionPool } from '../../src/transport';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/**
 * run / putFile / readFile / become on a real sshd behind the bastion. The lab's sshd processes
 * share this machine's filesystem, so what the "remote" side wrote is checked directly on disk.
 */

let lab: SshdLab;
let pool: ConnectionPool;
let root: Connection;
let user: Connection;
let work: string;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 1, withUser: true });
  work = `${lab.dir}/files`;
  mkdirSync(work, { mode: 0o755 });
  const config = lab.writeFile(
    'ssh_config.files',
    `Host bastion\n  HostName ${lab.bastion.address}\n  User root\n\n${lab.hostBlocks()}\nHost t01 user-t01\n  ProxyJump bastion\n\nHost *\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.files\n`,
  );
  pool = createConnectionPool({ sshConfigFile: config, agentSocket: null, connectAttempts: 1 });
  root = await pool.connect({ name: 't01', user: 'root' });
  // Same sshd under a second name, logged in as the unprivileged user (the target's own settings override the config).
  user = await pool.connect({ name: 'user-t01', hostName: lab.targets[0].address, user: lab.user });
}, 60000);

afterAll(async () => {
  await pool?.closeAll();
});

afterAll(async () => {
  await lab?.teardown();
});

describe('run', () => {
  test('stdout, stderr, exit code, stdin, cwd and env', async () => {
    const result = await root.run('read line; echo "$line/$PWD/$GREETING"; echo oops >&2; exit 3', { stdin: 'from stdin\n', cwd: work, env: { GREETING: "it's here" } });
    expect(result).toEqual({ stdout: `from stdin/${work}/it's here\n`, stderr: 'oops\n', exitCode: 3 });
  });

  test('a per-command timeout fails only that command; the connection stays usable', async () => {
    const started = Date.now();
    const error = await root.run('sleep 5', { timeoutMs: 300 }).catch((err: unknown) => err);
    expect(error).toMatchObject({ kind: 'timeout', host: 't01', unreachable: false });
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await root.run('echo still here')).stdout).toBe('still here\n');
  });
});

test('a dropped session (a rebooted host) is re-established by the next operation', async () => {
  const handshakes = pool.stats().handshakes;
  const running = root.run('sleep 30').catch((err: unknown) => err);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await lab.targets[0].reboot();
  expect(await running).toMatchObject({ kind: 'disconnected', host: 't01' });
  expect((await root.run('echo back')).stdout).toBe('back\n');
  expect(pool.stats().handshakes).toBe(handshakes + 1);
  // The bastion session was not touched: still one shared jump session.
  expect(pool.stats().jumpSessions).toBe(1);
});

describe('become', () => {
  test('an unprivileged login becomes root through sudo -n', async () => {
    expect((await user.run('id -un')).stdout.trim()).toBe(lab.user);
    const result = await user.run('id -u; echo "$HOME"', { become: true });
    expect(result).toMatchObject({ stdout: '0\n/root\n', exitCode: 0 });
  });

  test('root becomes another user, with that user HOME', async () => {
    const result = await root.run('id -un; echo "$HOME"; pwd', { become: true, becomeUser: 'nobody', cwd: '/' });
    expect(result.stdout).toBe('nobody\n/nonexistent\n/\n');
  });

  test('quoting survives the sudo sh -c wrapping', async () => {
    const tricky = `a'b"c $HOME \`x\` \\ ; | & *`;
    const result = await user.run(`printf '%s' "$V"`, { become: true, env: { V: tricky } });
    expect(result.stdout).toBe(tricky);
  });

  test('sudo asking for a password is a become error, not a command failure', async () => {
    const error = await user.run('true', { become: true, becomeUser: 'nobody' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ kind: 'become', host: 'user-t01', unreachable: false });
    expect((error as Error).message).toContain('sudo: a password is required');
  });
});

describe('putFile and readFile', () => {
  test('a failing validation leaves the old file byte for byte, and no temporary file', async () => {
    const dest = `${work}/app.conf`;
    const old = Buffer.from([0x6f, 0x6c, 0x64, 0x00, 0xff, 0x0a]);
    writeFileSync(dest, old, { mode: 0o640 });
    const error = await root.putFile(dest, 'new content\n', { validate: 'grep -q valid %s', mode: '0600' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RemoteFileError);
    expect(error).toMatchObject({ step: 'validate', path: dest });
    expect(readFileSync(dest).equals(old)).toBe(true);
    expect(statSync(dest).mode & 0o777).toBe(0o640);
    expect(readdirSync(work).filter((name) => name.includes('.play-'))).toEqual([]);
  });

  test('a passing validation replaces the file atomically with the requested mode', async () => {
    const dest = `${work}/valid.conf`;
    writeFileSync(dest, 'old\n');
    const before = statSync(dest).ino;
    await root.putFile(dest, 'valid = yes\n', { validate: 'grep -q valid %s', mode: '0640', owner: 'nobody', group: 'root' });
    const after = statSync(dest);
    expect(readFileSync(dest, 'utf8')).toBe('valid = yes\n');
    expect(after.mode & 0o777).toBe(0o640);
    expect(after.uid).toBe(65534);
    // A rename, not an in-place rewrite: readers never see a half-written file.
    expect(after.ino).not.toBe(before);
    expect(readdirSync(work).filter((name) => name.includes('.play-'))).toEqual([]);
  });

  test('without a mode, an existing file keeps its mode', async () => {
    const dest = `${work}/keep-mode`;
    writeFileSync(dest, 'x');
    chmodSync(dest, 0o604);
    await root.putFile(dest, 'y');
    expect(statSync(dest).mode & 0o777).toBe(0o604);
  });

  test('with become, the content is streamed through sudo into a root-only directory', async () => {
    const secret = `${work}/root-only`;
    mkdirSync(secret, { mode: 0o700 });
    const content = Buffer.from('binary\0payload\xff', 'latin1');
    await expect(user.putFile(`${secret}/file`, content)).rejects.toMatchObject({ step: 'tempfile' });
    await user.putFile(`${secret}/file`, content, { become: true, mode: 0o600 });
    expect(readFileSync(`${secret}/file`).equals(content)).toBe(true);
    expect(statSync(`${secret}/file`).uid).toBe(0);
    expect((await user.readFile(`${secret}/file`, { become: true }))?.equals(content)).toBe(true);
    await expect(user.readFile(`${secret}/file`)).rejects.toMatchObject({ step: 'read' });
  });

  test('readFile returns null for a missing file', async () => {
    expect(await root.readFile(`${work}/does-not-exist`)).toBeNull();
    expect(existsSync(`${work}/does-not-exist`)).toBe(false);
    expect(await user.readFile(`${work}/no/such/directory/file`)).toBeNull();
  });

  test('each operation is one round trip (one exec channel)', async () => {
    const before = pool.stats().execs;
    await root.putFile(`${work}/count`, 'n', { mode: '0644', validate: 'test -s %s' });
    await root.readFile(`${work}/count`);
    await root.run('true');
    expect(pool.stats().execs - before).toBe(3);
  });
});
