import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalConnection, RemoteFileError, TransportError } from '../../src/transport';

/** delegate_to: localhost — the same scripts as over SSH, run by the controller's own /bin/sh. */

let dir: string;
const local = new LocalConnection({ host: 'localhost' });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pt-local-'));
});

afterAll(async () => {
  await local.close();
  rmSync(dir, { recursive: true, force: true });
});

test('run: output, status, stdin, env, cwd', async () => {
  expect(await local.run('cat; echo "$X $(pwd)" >&2; exit 4', { stdin: 'in', env: { X: 'y z' }, cwd: dir })).toEqual({ stdout: 'in', stderr: `y z ${dir}\n`, exitCode: 4 });
});

test('run: a killed command reports its signal', async () => {
  expect(await local.run('kill -TERM $$')).toMatchObject({ exitCode: 255, signal: 'SIGTERM' });
});

test('run: timeout kills the whole command, not just its shell', async () => {
  const started = Date.now();
  await expect(local.run('sleep 5; echo done', { timeoutMs: 200 })).rejects.toMatchObject({ kind: 'timeout', hop: 'local', unreachable: false });
  expect(Date.now() - started).toBeLessThan(2000);
});

/** Alive and not a zombie waiting for its (killed) parent to be reaped. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('run: timeout kills what the command started, in its own process group', async () => {
  const pidFile = path.join(dir, 'grandchild.pid');
  const command = `sleep 30 & echo $! > ${pidFile}; wait`;
  await expect(local.run(command, { timeoutMs: 500 })).rejects.toMatchObject({ kind: 'timeout' });
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 2000;
  while (alive(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(alive(grandchild)).toBe(false);
  rmSync(pidFile);
});

test('run: a command leads its own process group, apart from play', async () => {
  const { stdout } = await local.run('echo $$ $(ps -o pgid= -p $$)');
  const [pid, pgid] = stdout.trim().split(/\s+/).map(Number);
  expect(pgid).toBe(pid);
  expect(pgid).not.toBe(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]));
});

test('putFile: validation failure keeps the old file and leaves no temp file; success replaces it', async () => {
  const dest = path.join(dir, 'conf');
  writeFileSync(dest, 'old\n', { mode: 0o600 });
  const failure = await local.putFile(dest, 'bad', { validate: 'grep -q good %s' }).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(RemoteFileError);
  expect((failure as RemoteFileError).stderr).toContain('play: validation failed: grep -q good %s');
  expect(readFileSync(dest, 'utf8')).toBe('old\n');
  await local.putFile(dest, 'good\n', { validate: 'grep -q good %s' });
  expect(readFileSync(dest, 'utf8')).toBe('good\n');
  expect(statSync(dest).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(['conf']);
});

test('putFile: a new file gets the umask default mode, not mktemp 0600', async () => {
  const dest = path.join(dir, 'fresh');
  await local.putFile(dest, 'x');
  const umask = process.umask();
  expect(statSync(dest).mode & 0o777).toBe(0o666 & ~umask);
});

test('putFile: a missing directory fails at the temp-file step', async () => {
  await expect(local.putFile(path.join(dir, 'no/such/dir/file'), 'x')).rejects.toMatchObject({ step: 'tempfile' });
});

test('become through sudo, and readFile', async () => {
  expect((await local.run('id -un', { become: true, becomeUser: 'nobody' })).stdout).toBe('nobody\n');
  expect(await local.readFile(path.join(dir, 'absent'))).toBeNull();
  expect((await local.readFile(path.join(dir, 'conf')))?.toString()).toBe('good\n');
});

test('bad arguments are refused before anything runs', async () => {
  await expect(local.putFile(path.join(dir, 'm'), 'x', { mode: 'rwx' })).rejects.toBeInstanceOf(TransportError);
  expect(readdirSync(dir)).not.toContain('m');
});

test('a closed connection refuses work', async () => {
  const closed = new LocalConnection();
  await closed.close();
  await expect(closed.run('true')).rejects.toMatchObject({ kind: 'disconnected' });
});
