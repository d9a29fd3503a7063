import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { makeContext, runModule } from './context';
import { ansibleResults } from './ansible-oracle';

/** find on a tree here, next to ansible-core 2.14's find on the same tree: same files, counts and messages. */

const dir = mkdtempSync(join(tmpdir(), 'find-'));
const conn = new LocalConnection();
afterAll(() => {
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'a.conf'), 'alpha\nport 22\n');
  writeFileSync(join(dir, 'b.log'), 'x\n');
  writeFileSync(join(dir, '.hidden.conf'), '');
  writeFileSync(join(dir, 'sub/c.conf'), 'port 80\n');
  writeFileSync(join(dir, 'sub/deeper/big.conf'), Buffer.alloc(3000));
  writeFileSync(join(dir, '.git/config'), 'x');
  symlinkSync('a.conf', join(dir, 'link.conf'));
  // Two days old, for age.
  const old = Date.now() / 1000 - 2 * 86400;
  utimesSync(join(dir, 'b.log'), old, old);
});

const CASES: Record<string, unknown>[] = [
  { paths: dir },
  { paths: dir, patterns: '*.conf' },
  { paths: dir, patterns: '*.conf,*.log', recurse: true, hidden: true },
  { paths: dir, patterns: ['^[ab]\\..*$'], use_regex: true, recurse: true },
  { paths: dir, excludes: ['c.*', 'b.*'], recurse: true },
  { paths: dir, contains: 'port \\d+', recurse: true },
  { paths: dir, contains: 'alpha\\nport', read_whole_file: true },
  { paths: dir, recurse: true, depth: 2, file_type: 'any' },
  { paths: dir, recurse: true, size: '2k' },
  { paths: dir, recurse: true, size: '-10' },
  { paths: dir, age: '1d', recurse: true },
  { paths: dir, age: '-1h', recurse: true },
  { paths: dir, file_type: 'link' },
  { paths: dir, file_type: 'directory', recurse: true, hidden: true },
  { paths: dir, patterns: 'a.conf', get_checksum: true },
  { paths: [dir, join(dir, 'missing'), join(dir, 'a.conf')], patterns: '*.conf' },
];

test('the same files, matched/examined counts and messages as ansible-core', async () => {
  const theirs = ansibleResults(CASES.map((args) => ({ find: args })));
  for (const [i, args] of CASES.entries()) {
    const ours = await runModule(getModule('find')!, args, makeContext(conn));
    const view = (r: Record<string, unknown>) => ({
      args,
      files: (r.files as Record<string, unknown>[]).map((f) => `${f.path} ${f.mode} ${f.size} ${f.islnk} ${f.checksum ?? ''}`).sort(),
      matched: r.matched,
      examined: r.examined,
      msg: r.msg,
      skipped: Object.keys(r.skipped_paths as object).sort(),
      changed: r.changed,
    });
    expect(view(ours)).toEqual(view(theirs[i]));
    const [one, other] = [(ours.files as Record<string, unknown>[])[0], (theirs[i].files as Record<string, unknown>[])[0]];
    if (one) expect(one).toEqual({ ...other, atime: one.atime });
  }
}, 300_000);

test('age and size take Ansible’s units; anything else is refused with the value named', () => {
  const args = getModule('find')!.args;
  expect(args.parse({ paths: '/x', age: '2w', size: '3m' })).toMatchObject({ age: 2 * 604800, size: 3 * 1024 ** 2, paths: ['/x'] });
  const refused = args.safeParse({ paths: '/x', age: '3 days' });
  expect(refused.success).toBe(false);
  expect(JSON.stringify(refused.error)).toContain("failed to process age '3 days'");
});
