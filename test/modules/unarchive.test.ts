import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { archiveKind, tarDiffers, tarMembers } from '../../src/modules/commands/unarchive';
import { makeContext, runModule } from './context';
import { ansibleResults } from './ansible-oracle';

describe('unarchive decisions', () => {
  it.each([
    ['504b030414000000', 'zip'],
    ['1f8b080000000000', 'gzip'],
    ['425a683931415926', 'tar'],
    ['fd377a585a000004', 'tar'],
    ['2e2f000000000000', 'tar'],
  ])('%s is a %s archive', (head, kind) => {
    expect(archiveKind(head)).toBe(kind);
  });

  it("tar --diff lines count as Ansible counts them: owner/group only for root without owner/group, mode only without mode", () => {
    const uid = 'app/run.sh: Uid differs';
    expect(tarDiffers(uid, { root: true })).toBe(true);
    expect(tarDiffers(uid, { root: true, owner: 'www-data' })).toBe(false);
    expect(tarDiffers(uid, { root: false })).toBe(false);
    expect(tarDiffers('app/run.sh: Mode differs', { root: true, mode: '0644' })).toBe(false);
    expect(tarDiffers('app/run.sh: Mod time differs', { root: true, mode: '0644' })).toBe(true);
    expect(tarDiffers('tar: app/x: Warning: Cannot stat: No such file or directory', { root: false })).toBe(true);
    expect(tarDiffers('app/run.sh: Size differs', { root: false })).toBe(false);
  });

  it('members: escapes decoded, leading / dropped, excludes matched as fnmatch', () => {
    const fnmatch = (name: string, pattern: string) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(name);
    expect(tarMembers('/etc/a.conf\ndir/caf\\303\\251\\ntxt\ndir/skip.log\n', ['*.log'], fnmatch)).toEqual(['etc/a.conf', 'dir/café\ntxt']);
  });
});

/** The same archives through ansible-core 2.14's unarchive and play's, into two directories. */
describe('unarchive: what ansible-core unpacks, and when it says changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unarchive-'));
  const conn = new LocalConnection();
  afterAll(() => {
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    mkdirSync(join(dir, 'content/app/conf'), { recursive: true });
    writeFileSync(join(dir, 'content/app/run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    writeFileSync(join(dir, 'content/app/conf/app.ini'), '[app]\nport=8080\n');
    writeFileSync(join(dir, 'content/app/debug.log'), 'noise\n');
    expect(spawnSync('tar', ['czf', join(dir, 'app.tar.gz'), '-C', join(dir, 'content'), 'app']).status).toBe(0);
    expect(spawnSync('tar', ['cjf', join(dir, 'app.tar.bz2'), '-C', join(dir, 'content'), 'app']).status).toBe(0);
    expect(spawnSync('zip', ['-qr', join(dir, 'app.zip'), 'app'], { cwd: join(dir, 'content') }).status).toBe(0);
  });

  /** Every path under dest with its type, mode and size. */
  const tree = (dest: string) => spawnSync('sh', ['-c', `cd ${dest} && find . -printf '%p %y %m %s\\n' | sort`], { encoding: 'utf8' }).stdout.replace(/ d \d+ \d+\n/g, ' d\n');

  const CASES: Record<string, unknown>[] = [
    { src: 'app.tar.gz', list_files: true },
    { src: 'app.tar.bz2', exclude: ['app/debug.log'], mode: '0750' },
    { src: 'app.zip', list_files: true },
    { src: 'app.tar.gz', extra_opts: ['--strip-components=1'] },
  ];

  it('the same files, list, handler and changed (first run, then again)', async () => {
    const run = (dest: string, args: Record<string, unknown>) => ({ ...args, src: join(dir, String(args.src)), dest, remote_src: true });
    const dests = CASES.map((_, i) => [join(dir, `ansible-${i}`), join(dir, `play-${i}`)]);
    for (const pair of dests) for (const d of pair) mkdirSync(d);
    const tasks = CASES.flatMap((args, i) => [{ unarchive: run(dests[i][0], args) }, { unarchive: run(dests[i][0], args) }]);
    const theirs = ansibleResults(tasks);
    for (const [i, args] of CASES.entries()) {
      const first = await runModule(getModule('unarchive')!, run(dests[i][1], args), makeContext(conn));
      const again = await runModule(getModule('unarchive')!, run(dests[i][1], args), makeContext(conn));
      const view = (one: Record<string, unknown>, two: Record<string, unknown>, dest: string) => ({
        args,
        tree: tree(dest),
        handler: one.handler,
        files: (one.files as string[] | undefined)?.slice().sort(),
        changed: [one.changed, two.changed],
      });
      expect(view(first, again, dests[i][1])).toEqual(view(theirs[2 * i], theirs[2 * i + 1], dests[i][0]));
    }
  }, 300_000);

  it('check mode on a tar predicts (ansible-core skips) and extracts nothing; creates skips; a missing dest fails', async () => {
    const dest = join(dir, 'check');
    mkdirSync(dest);
    const args = { src: join(dir, 'app.tar.gz'), dest, remote_src: true };
    expect((await runModule(getModule('unarchive')!, args, makeContext(conn, { check: true }))).changed).toBe(true);
    expect(tree(dest)).toBe('. d\n');
    expect(await runModule(getModule('unarchive')!, { ...args, creates: join(dir, 'content') }, makeContext(conn))).toMatchObject({ changed: false, skipped: true });
    await expect(runModule(getModule('unarchive')!, { ...args, dest: join(dir, 'nowhere') }, makeContext(conn))).rejects.toThrow(/is not a directory/);
    expect(getModule('unarchive')!.args.safeParse({ src: 'https://192.0.2.1/a.tgz', dest, remote_src: true }).success).toBe(false);
  });
});
