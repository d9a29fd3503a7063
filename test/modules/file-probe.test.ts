import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileProbeCommand, jointFileProbesCommand, parseFileProbe, splitJointFileProbes, type FileProbeOptions, type FileProbeSpec } from '../../src/modules/commands/file-probe';

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

describe('many paths probed jointly (one stat, one digest command, for a batch)', () => {
  function sh(script: string): string {
    const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return result.stdout;
  }
  const joint = (specs: FileProbeSpec[]) => splitJointFileProbes(specs, sh(jointFileProbesCommand(specs)));
  const OPTIONS: FileProbeOptions[] = [{}, { follow: true }, { checksum: 'sha1' }, { follow: true, checksum: 'sha256', content: true }, { checksum: 'sha256' }, { content: true }];

  test('print, path by path, exactly what each path’s own probe prints', () => {
    const root = mkdtempSync(path.join(dir, 'joint-'));
    const at = (name: string) => path.join(root, name);
    writeFileSync(at('plain'), 'plain content\n');
    writeFileSync(at('empty'), '');
    writeFileSync(at('-dash and space'), 'x');
    writeFileSync(at("it's \\ odd"), 'y');
    writeFileSync(at('new\nline'), 'z');
    chmodSync(at('plain'), 0o600);
    mkdirSync(at('dir'));
    symlinkSync(at('plain'), at('link-to-file'));
    symlinkSync(at('dir'), at('link-to-dir'));
    symlinkSync('relative\ntarget\n', at('odd-link'));
    const names = ['plain', 'empty', '-dash and space', 'dir', 'link-to-file', 'link-to-dir', 'missing', 'dir/missing'];
    const specs = names.flatMap((name) => OPTIONS.map((options) => ({ path: at(name), options })));
    // Names the digest command prints as they are, or paths it never digests.
    specs.push({ path: at("it's \\ odd"), options: {} }, { path: at('new\nline'), options: { content: true } }, { path: at('odd-link'), options: {} });
    expect(joint(specs)).toEqual(specs.map((spec) => sh(fileProbeCommand(spec.path, spec.options))));
    expect(joint(specs.filter((spec) => spec.options.follow))).toEqual(specs.filter((spec) => spec.options.follow).map((spec) => sh(fileProbeCommand(spec.path, spec.options))));
  });

  test('leave every path to its own probe when one of them cannot be answered jointly', () => {
    const root = mkdtempSync(path.join(dir, 'joint-'));
    writeFileSync(path.join(root, 'a'), 'a');
    writeFileSync(path.join(root, 'new\nline'), 'z');
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    const fine = { path: path.join(root, 'a'), options: { checksum: 'sha256' as const } };
    // The digest command escapes this name; a followed link that dangles makes stat fail.
    expect(joint([fine, { path: path.join(root, 'new\nline'), options: { checksum: 'sha1' } }])).toBeUndefined();
    const failing = [fine, { path: path.join(root, 'dangling'), options: { follow: true } }];
    const result = spawnSync('sh', ['-c', jointFileProbesCommand(failing)], { encoding: 'utf8' });
    expect(result.stderr).toMatch(/No such file/);
    expect(splitJointFileProbes(failing, result.stdout)).toBeUndefined();
    expect(splitJointFileProbes([fine], 'umask\t0022\npaths\nat 0\n')).toBeUndefined();
  });
});
