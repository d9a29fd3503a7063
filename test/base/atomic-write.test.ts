import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/base/atomic-write';

// The module's own binding, so the test can make the "random" temporary name predictable.
const crypto = require('node:crypto') as typeof import('node:crypto');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pt-atomic-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string): number => statSync(file).mode & 0o7777;

function withUmask<T>(umask: number, work: () => T): T {
  const before = process.umask(umask);
  try {
    return work();
  } finally {
    process.umask(before);
  }
}

test('writes a new file and replaces an existing one, leaving nothing else in the directory', () => {
  const file = path.join(dir, 'hosts.yml');
  writeFileAtomic(file, 'first\n');
  expect(readFileSync(file, 'utf8')).toBe('first\n');
  writeFileAtomic(file, Buffer.from([0, 1, 2, 255]));
  expect(readFileSync(file)).toEqual(Buffer.from([0, 1, 2, 255]));
  expect(readdirSync(dir)).toEqual(['hosts.yml']);
});

test('mode: 0644 less the umask by default; an explicit mode is exact, whatever the umask', () => {
  const plain = path.join(dir, 'plain');
  const exact = path.join(dir, 'exact');
  withUmask(0o027, () => {
    writeFileAtomic(plain, 'x');
    writeFileAtomic(exact, 'x', { mode: 0o664 });
  });
  expect(modeOf(plain)).toBe(0o640);
  expect(modeOf(exact)).toBe(0o664);
  // An existing file's mode is replaced unless asked to keep it.
  writeFileAtomic(exact, 'y', { mode: 0o600 });
  expect(modeOf(exact)).toBe(0o600);
});

test('keepMode: an existing file keeps its mode exactly; a new one gets `mode`', () => {
  const existing = path.join(dir, 'existing');
  writeFileSync(existing, 'old');
  chmodSync(existing, 0o664);
  withUmask(0o077, () => {
    writeFileAtomic(existing, 'new', { mode: 0o600, keepMode: true });
    writeFileAtomic(path.join(dir, 'fresh'), 'new', { mode: 0o600, keepMode: true });
  });
  expect([readFileSync(existing, 'utf8'), modeOf(existing)]).toEqual(['new', 0o664]);
  expect(modeOf(path.join(dir, 'fresh'))).toBe(0o600);
});

test('a failed write leaves the target as it was and no temporary file behind', () => {
  // rename(2) cannot put a file over a non-empty directory.
  const target = path.join(dir, 'target');
  mkdirSync(target);
  writeFileSync(path.join(target, 'inside'), 'keep');
  expect(() => writeFileAtomic(target, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
  expect(readdirSync(dir)).toEqual(['target']);
  expect(readFileSync(path.join(target, 'inside'), 'utf8')).toBe('keep');
});

test('a symlink planted at the temporary name is neither followed nor removed: the write fails', () => {
  jest.spyOn(crypto, 'randomBytes').mockImplementation(((size: number) => Buffer.alloc(size)) as typeof crypto.randomBytes);
  const victim = path.join(dir, 'victim');
  writeFileSync(victim, 'precious');
  const file = path.join(dir, 'config');
  const planted = path.join(dir, `.config.${'00'.repeat(6)}.tmp`);
  symlinkSync(victim, planted);
  expect(() => writeFileAtomic(file, 'attacker gets this?')).toThrow(/EEXIST/);
  expect(readFileSync(victim, 'utf8')).toBe('precious');
  expect(lstatSync(planted).isSymbolicLink() && readlinkSync(planted)).toBe(victim);
  expect(readdirSync(dir).sort()).toEqual([planted, victim].map((p) => path.basename(p)).sort());
});

test('the temporary name is not predictable: a link at the fixed name the lab used to write through is left alone', () => {
  const victim = path.join(dir, 'victim');
  writeFileSync(victim, 'precious');
  const file = path.join(dir, 'state.json');
  symlinkSync(victim, `${file}.${process.pid}.tmp`);
  writeFileAtomic(file, '{}\n');
  expect(readFileSync(file, 'utf8')).toBe('{}\n');
  expect(readFileSync(victim, 'utf8')).toBe('precious');
});
