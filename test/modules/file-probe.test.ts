import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileProbeCommand, parseFileProbe, type FileProbeOptions } from '../../src/modules/commands/file-probe';

/** The probe every file module starts from, run by this machine's sh on real paths. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'file-probe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function probe(target: string, options: FileProbeOptions = {}) {
  const result = spawnSync('sh', ['-c', fileProbeCommand(target, options)], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return parseFileProbe(result.stdout);
}

test('a regular file: type, ids, mode, size, mtime, inode and digest, as stat(2) and sha256 give them', () => {
  const file = path.join(dir, 'a file');
  writeFileSync(file, 'some content\n');
  chmodSync(file, 0o640);
  const st = statSync(file);
  expect(probe(file, { checksum: 'sha256', content: true })).toEqual({
    exists: true,
    type: 'file',
    owner: expect.any(String),
    group: expect.any(String),
    uid: st.uid,
    gid: st.gid,
    mode: '0640',
    size: 13,
    mtime: Math.floor(st.mtimeMs / 1000),
    inode: `${st.dev}:${st.ino}`,
    umask: expect.stringMatching(/^0[0-7]{3}$/),
    checksum: createHash('sha256').update('some content\n').digest('hex'),
    content: Buffer.from('some content\n'),
  });
});

test('a link: itself with its target, or what it points to when followed', () => {
  const target = path.join(dir, 'target-dir');
  mkdirSync(target);
  const link = path.join(dir, 'link');
  symlinkSync(target, link);
  expect(probe(link)).toMatchObject({ exists: true, type: 'link', linkTarget: target, inode: `${lstatSync(link).dev}:${lstatSync(link).ino}` });
  expect(probe(link, { follow: true })).toMatchObject({ exists: true, type: 'directory', linkTarget: target });
});

test('a followed link that dangles does not exist (as with Ansible’s stat, follow: true), nor does an absent path', () => {
  const link = path.join(dir, 'dangling');
  symlinkSync(path.join(dir, 'nowhere'), link);
  expect(probe(link, { follow: true, checksum: 'sha256' })).toEqual({ exists: false, umask: expect.any(String), linkTarget: path.join(dir, 'nowhere') });
  expect(probe(link)).toMatchObject({ exists: true, type: 'link' });
  expect(probe(path.join(dir, 'nowhere'))).toEqual({ exists: false, umask: expect.any(String) });
});
