import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyHostKey } from '../../src/transport/host-key-policy';
import { acceptNewHostKey, checkHostKey, hashHostName, hostFieldMatches, knownHostsName, parseKnownHosts, preferredHostKeyAlgorithms, readKnownHostsFiles } from '../../src/transport/known-hosts';
import { parseSshConfig, resolveSshHost } from '../../src/transport/ssh-config';

let dir: string;
let keyA: Buffer;
let keyB: Buffer;
let lineA: string;

/** A real public key blob from ssh-keygen, so parsing is checked against OpenSSH's own output. */
function makeKey(name: string, type = 'ed25519'): { blob: Buffer; line: string } {
  const file = path.join(dir, name);
  // Small RSA keys: only the format matters here, and big ones take seconds to generate.
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '1024'] : []), '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { blob: Buffer.from(line.split(' ')[1], 'base64'), line };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pt-kh-'));
  ({ blob: keyA, line: lineA } = makeKey('a'));
  ({ blob: keyB } = makeKey('b'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('hashed names match OpenSSH: ssh-keygen -H output is found with our HMAC-SHA1', () => {
  const file = path.join(dir, 'hashed');
  writeFileSync(file, `10.0.0.5 ${lineA}\n[10.0.0.6]:2222 ${lineA}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
  const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
  expect(entries.every((entry) => entry.hosts.startsWith('|1|'))).toBe(true);
  expect(checkHostKey(entries, '10.0.0.5', keyA)).toEqual({ status: 'known' });
  expect(checkHostKey(entries, knownHostsName('10.0.0.6', 2222), keyA)).toEqual({ status: 'known' });
  expect(checkHostKey(entries, '10.0.0.6', keyA)).toEqual({ status: 'unknown' });
});

test('what we hash, ssh-keygen -F finds', () => {
  const file = path.join(dir, 'ours');
  writeFileSync(file, `${hashHostName('[app-1]:2200')} ${lineA}\n`);
  expect(execFileSync('ssh-keygen', ['-F', '[app-1]:2200', '-f', file], { encoding: 'utf8' })).toContain('found: line 1');
});

test('patterns: wildcards, negation, lists, case, [host]:port', () => {
  expect(hostFieldMatches('app-*,!app-9', 'app-1')).toBe(true);
  expect(hostFieldMatches('app-*,!app-9', 'app-9')).toBe(false);
  expect(hostFieldMatches('10.0.0.?', '10.0.0.7')).toBe(true);
  expect(hostFieldMatches('Bastion.Example', 'bastion.example')).toBe(true);
  expect(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222')).toBe(true);
  expect(hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222')).toBe(false);
  expect(knownHostsName('h', 22)).toBe('h');
});

test('changed, revoked, cert-authority and malformed lines', () => {
  const text = [
    '# comment',
    '',
    `app-1 ${lineA}`,
    `@cert-authority *.example ${lineA}`,
    'garbage line',
    `@revoked * ssh-ed25519 ${keyB.toString('base64')}`,
    `@unknown-marker app-2 ${lineA}`,
  ].join('\n');
  const entries = parseKnownHosts(text, 'kh');
  expect(entries.map((entry) => [entry.line, entry.marker])).toEqual([
    [3, undefined],
    [4, 'cert-authority'],
    [6, 'revoked'],
  ]);
  expect(checkHostKey(entries, 'app-1', keyA)).toEqual({ status: 'known' });
  expect(checkHostKey(entries, 'app-1', keyB)).toMatchObject({ status: 'revoked', entry: { line: 6 } });
  // A CA line vouches for certificates only, never for a plain key.
  expect(checkHostKey(entries, 'www.example', keyA)).toEqual({ status: 'unknown' });
  const { blob: keyC } = makeKey('c');
  expect(checkHostKey(entries, 'app-1', keyC)).toMatchObject({ status: 'changed', recorded: [{ line: 3, file: 'kh' }] });
});

test('recorded key types are preferred in the host key negotiation', () => {
  const { line: rsaLine } = makeKey('r', 'rsa');
  const entries = parseKnownHosts(`h ${rsaLine}\n`, 'kh');
  const defaults = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  expect(preferredHostKeyAlgorithms(entries, 'h', defaults)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256']);
  expect(preferredHostKeyAlgorithms(entries, 'other', defaults)).toEqual(defaults);
});

test('accept-new appends once per host under concurrency, keeps a missing final newline intact, can hash', async () => {
  const file = path.join(dir, 'sub', 'known_hosts');
  const other = path.join(dir, 'existing');
  writeFileSync(other, `old-host ${lineA}`); // no trailing newline
  const results = await Promise.all([
    ...Array.from({ length: 10 }, () => acceptNewHostKey({ files: [file], name: 'h1', key: keyA, hash: false })),
    ...Array.from({ length: 10 }, () => acceptNewHostKey({ files: [other], name: '[h2]:2200', key: keyB, hash: true })),
  ]);
  expect(results.filter((result) => result.status === 'added')).toHaveLength(2);
  expect(readFileSync(file, 'utf8')).toBe(`h1 ${lineA}\n`);
  const lines = readFileSync(other, 'utf8').split('\n');
  expect(lines[0]).toBe(`old-host ${lineA}`);
  expect(hostFieldMatches(lines[1].split(' ')[0], '[h2]:2200')).toBe(true);
  // A different key for an already recorded host is reported, never appended.
  expect(await acceptNewHostKey({ files: [file], name: 'h1', key: keyB, hash: false })).toMatchObject({ status: 'changed' });
  expect(readFileSync(file, 'utf8')).toBe(`h1 ${lineA}\n`);
});

test('a file is read again once it changed: a host appended, the file replaced (as ssh-keygen -R does), removed', async () => {
  const file = path.join(dir, 'reread');
  const keysOf = async () => (await readKnownHostsFiles([file])).map((entry) => `${entry.hosts} ${entry.key.equals(keyA) ? 'A' : 'B'}`);
  writeFileSync(file, `h1 ${lineA}\n`);
  expect(await keysOf()).toEqual(['h1 A']);
  expect(await keysOf()).toEqual(['h1 A']);
  appendFileSync(file, `h2 ${lineA}\n`);
  expect(await keysOf()).toEqual(['h1 A', 'h2 A']);
  writeFileSync(`${file}.new`, `h1 ${lineA.split(' ')[0]} ${keyB.toString('base64')}\nh2 ${lineA}\n`);
  renameSync(`${file}.new`, file);
  expect(await keysOf()).toEqual(['h1 B', 'h2 A']);
  rmSync(file);
  expect(await keysOf()).toEqual([]);
});

test('host names are matched, hashed and recorded lowercased, as ssh does: a changed key is not accepted under another case', async () => {
  const file = path.join(dir, 'case');
  writeFileSync(file, `[localhost]:2222 ${lineA}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
  const recorded = readFileSync(file, 'utf8');
  const endpoint = resolveSshHost(parseSshConfig('ssh.config', 'Host web\n  HostName LocalHost\n  Port 2222'), 'web', {}, { home: dir, localUser: 'op', knownHostsFile: file });
  const refusal = await verifyHostKey({ host: 'web', hop: 'target', endpoint, policy: 'accept-new', key: keyB });
  expect(refusal).toMatchObject({ kind: 'hostkey-changed', host: 'web' });
  expect(refusal?.message).toContain(`ssh-keygen -R '[localhost]:2222'`);
  expect(readFileSync(file, 'utf8')).toBe(recorded);
  expect(await verifyHostKey({ host: 'web', hop: 'target', endpoint, policy: 'accept-new', key: keyA })).toBeUndefined();

  // A new host is recorded under the name ssh looks up: ssh-keygen -F finds it, hashed or not.
  for (const hash of [false, true]) {
    const fresh = path.join(dir, `case-new-${hash}`);
    const mixed = resolveSshHost(parseSshConfig('ssh.config', `Host app\n  HostKeyAlias App-1.Example\n  Port 2200\n  HashKnownHosts ${hash ? 'yes' : 'no'}`), 'app', {}, { home: dir, localUser: 'op', knownHostsFile: fresh });
    expect(await verifyHostKey({ host: 'app', hop: 'target', endpoint: mixed, policy: 'accept-new', key: keyA })).toBeUndefined();
    expect(execFileSync('ssh-keygen', ['-F', '[app-1.example]:2200', '-f', fresh], { encoding: 'utf8' })).toContain('found: line 1');
  }
});
