import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { decryptVault, VaultPasswords } from '../../src/vault';
import { BIN, requireBuild } from './cli-project';

/**
 * `play vault ... -` reading stdin from a writer that takes its time. The pipe is non-blocking,
 * as one shared with an event-loop program is: a synchronous read of it fails with EAGAIN as soon
 * as it is momentarily empty.
 */
let dir: string;
beforeAll(requireBuild);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-vault-stdin-'));
  writeFileSync(join(dir, 'pw'), 'pw-one\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The first part is larger than a pipe holds, so writing it returns only once the child is
 * reading (however slowly it started); the pipe is then empty while the next part is 200 ms away.
 */
const FIRST_PART = 'x'.repeat(200_000);

async function playWithSlowStdin(args: string[], rest: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fifo = join(dir, 'stdin');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const child = spawn(process.execPath, [BIN, 'vault', ...args], { cwd: dir, stdio: [reader, 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
  closeSync(reader);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    writeSync(writer, FIRST_PART);
    await sleep(200);
    writeSync(writer, rest);
  } finally {
    closeSync(writer);
  }
  return { code: await exited, stdout, stderr };
}

test('encrypt - reads all of a slow pipe', async () => {
  const run = await playWithSlowStdin(['encrypt', '--vault-password-file', 'pw', '--output', 'out.vault', '-'], 'the end\n');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(decryptVault(readFileSync(join(dir, 'out.vault')), VaultPasswords.fromPassword('pw-one')).toString()).toBe(`${FIRST_PART}the end\n`);
});

test('encrypt_string - reads all of a slow pipe', async () => {
  const run = await playWithSlowStdin(['encrypt_string', '--vault-password-file', 'pw', '--stdin-name', 'token', '-'], 'the end');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const envelope = run.stdout.replace(/^token: !vault \|\n/, '').replace(/^ +/gm, '');
  expect(decryptVault(envelope, VaultPasswords.fromPassword('pw-one')).toString()).toBe(`${FIRST_PART}the end`);
});
