import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLockFile } from '../../src/base/lock-file';

/**
 * accept-new across real play processes: each child loads the built known-hosts module, says it
 * is ready, and accepts only once every child is ready, so they all hit the file together.
 */

const KNOWN_HOSTS_JS = path.resolve(__dirname, '../../dist/transport/known-hosts.js');
const CHILD = `
const { acceptNewHostKey } = require(${JSON.stringify(KNOWN_HOSTS_JS)});
const [file, name, key] = process.argv.slice(1);
process.stdin.once('data', async () => {
  const result = await acceptNewHostKey({ files: [file], name, key: Buffer.from(key, 'base64'), hash: false });
  process.stdout.write(JSON.stringify(result.status));
  process.exit(0);
});
process.stdout.write('ready\\n');
`;
const PROCESSES = 6;

let dir: string;
let keys: Buffer[];
const children = new Set<ChildProcess>();

function makeKey(name: string): Buffer {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  return Buffer.from(readFileSync(`${file}.pub`, 'utf8').split(' ')[1], 'base64');
}

beforeAll(() => {
  if (!existsSync(KNOWN_HOSTS_JS)) throw new Error('run `npm run build` first (npm test does)');
  dir = mkdtempSync(path.join(os.tmpdir(), 'pt-khp-'));
  keys = Array.from({ length: PROCESSES }, (_, index) => makeKey(`key${index}`));
});

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts one child per key, releases them together, and returns each one's accept-new status. */
async function acceptTogether(file: string, name: string, childKeys: Buffer[]): Promise<string[]> {
  const started = childKeys.map((key) => {
    const child = spawn(process.execPath, ['-e', CHILD, file, name, key.toString('base64')], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.startsWith('ready\n')) resolve();
      });
      child.once('error', reject);
      child.once('exit', () => reject(new Error(`child exited before it was ready: ${output}`)));
    });
    const status = new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => {
        children.delete(child);
        if (code === 0) resolve(JSON.parse(output.slice('ready\n'.length)) as string);
        else reject(new Error(`child exited with ${code}: ${output}`));
      });
    });
    return { child, ready, status };
  });
  await Promise.all(started.map(({ ready }) => ready));
  for (const { child } of started) child.stdin!.end('go\n');
  return Promise.all(started.map(({ status }) => status));
}

function freshDir(name: string): string {
  const sub = path.join(dir, name);
  rmSync(sub, { recursive: true, force: true });
  return sub;
}

/** A lock file as a play process that has since died would have left it. */
function deadHolder(nonce: string): string {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString(), nonce });
}

test('processes accepting the same new host with the same key record it exactly once', async () => {
  const file = path.join(freshDir('same'), 'known_hosts');
  const statuses = await acceptTogether(file, 'web-1', Array(PROCESSES).fill(keys[0]));
  expect(statuses.filter((status) => status === 'added')).toHaveLength(1);
  expect(statuses.filter((status) => status === 'known')).toHaveLength(PROCESSES - 1);
  expect(readFileSync(file, 'utf8')).toBe(`web-1 ssh-ed25519 ${keys[0].toString('base64')}\n`);
  expect(readdirSync(path.dirname(file))).toEqual(['known_hosts']);
});

test('with different keys, one is recorded and every other process reports the key as changed', async () => {
  const file = path.join(freshDir('different'), 'known_hosts');
  const statuses = await acceptTogether(file, '[web-2]:2222', keys);
  const winner = statuses.indexOf('added');
  expect(winner).toBeGreaterThanOrEqual(0);
  expect(statuses.filter((_, index) => index !== winner)).toEqual(Array(PROCESSES - 1).fill('changed'));
  expect(readFileSync(file, 'utf8')).toBe(`[web-2]:2222 ssh-ed25519 ${keys[winner].toString('base64')}\n`);
  expect(readdirSync(path.dirname(file))).toEqual(['known_hosts']);
});

test('a lock and a breaker guard left by dead processes are recovered, by all processes at once', async () => {
  const file = path.join(freshDir('stale'), 'known_hosts');
  const sub = path.dirname(file);
  mkdirSync(sub, { recursive: true });
  writeFileSync(`${file}.lock`, deadHolder('0d0d'));
  // A breaker that died while removing that lock leaves its guard behind: that is stale too.
  writeFileSync(`${file}.lock.breaking-0d0d`, deadHolder('0e0e'));
  const statuses = await acceptTogether(file, 'web-3', Array(PROCESSES).fill(keys[1]));
  expect(statuses.sort()).toEqual(['added', ...Array(PROCESSES - 1).fill('known')]);
  expect(readFileSync(file, 'utf8')).toBe(`web-3 ssh-ed25519 ${keys[1].toString('base64')}\n`);
  expect(readdirSync(sub)).toEqual(['known_hosts']);
});

test('a lock held by a live process is never broken: the waiter gives up naming the lock file', async () => {
  const lock = path.join(freshDir('live'), 'known_hosts.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const held = JSON.stringify({ pid: process.pid, host: os.hostname(), since: '2024-01-01T00:00:00.000Z', nonce: 'abcd' });
  writeFileSync(lock, held);
  let ran = false;
  const work = async () => {
    ran = true;
  };
  await expect(withLockFile(lock, work, { timeoutMs: 200 })).rejects.toThrow(`could not lock ${lock} within 0.2s (held by pid ${process.pid} on ${os.hostname()} since 2024-01-01T00:00:00.000Z)`);
  // Not ours to judge: a lock file someone else wrote, or one from another host sharing this home.
  writeFileSync(lock, 'not a lock');
  await expect(withLockFile(lock, work, { timeoutMs: 200 })).rejects.toThrow(`could not lock ${lock} within 0.2s (its content is not a play lock)`);
  writeFileSync(lock, JSON.stringify({ pid: 999999999, host: `not-${os.hostname()}`, since: 'x', nonce: 'ab' }));
  await expect(withLockFile(lock, work, { timeoutMs: 200 })).rejects.toThrow(`held by pid 999999999 on not-${os.hostname()}`);
  expect(ran).toBe(false);
  expect(readdirSync(path.dirname(lock))).toEqual(['known_hosts.lock']);
});
