import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { pythonRegex, substitute } from '../../src/modules/support/python-regex';
import { makeContext, runModule } from './context';
import { ansibleResults } from './ansible-oracle';

describe('Python regexes in JavaScript', () => {
  it.each([
    ['(?P<word>\\w+) (?P=word)', 'say hello hello', 'hello hello'],
    ['\\Aab', 'ab\nab', 'ab'],
    ['b\\Z', 'ab\nab', 'b'],
    ['(?i)HELLO', 'say hello', 'hello'],
    ['[]a]+', 'x]a]y', ']a]'],
    ['[^]x]+', ']]ab', 'ab'],
  ])('%s finds what Python finds', (pattern, text, found) => {
    expect(pythonRegex(pattern, 'm').exec(text)?.[0]).toBe(found);
  });

  it('a verbose (?x) pattern is refused, naming it', () => {
    expect(() => pythonRegex('(?x) a b')).toThrow(/\(\?x\) is not supported in regex "\(\?x\) a b"/);
  });

  it('re.sub templates: numbered and named groups, escapes; $ is plain text; an unmatched group is empty', () => {
    expect(substitute(pythonRegex('(a)(?P<n>b)(c)?', 'm'), '\\2\\1\\g<n>\\g<1>$1\\t\\3|', 'ab ab')).toEqual({ text: 'baba$1\t| baba$1\t|', count: 2 });
  });
});

/** The same replace tasks through ansible-core 2.14's module and play's, each on its own copy of the same file. */
describe('replace: what ansible-core writes, for the same file and arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replace-'));
  const conn = new LocalConnection();
  afterAll(() => {
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const TEXT = '# sshd\nPort 22\n#PermitRootLogin yes\nPasswordAuthentication yes\n[section]\nkey = 1\nkey = 2\n[other]\nkey = 3\n';
  const CASES: Record<string, unknown>[] = [
    { regexp: '^#?PermitRootLogin .*$', replace: 'PermitRootLogin no' },
    { regexp: '^(Port) (\\d+)$', replace: '\\1 2222' },
    { regexp: '^(?P<k>key) = (\\d)$', replace: '\\g<k> = \\2\\2', after: '\\[section\\]', before: '\\[other\\]' },
    { regexp: '^key = \\d$', replace: 'key = 0', after: '\\[other\\]' },
    { regexp: '^key', replace: 'KEY', before: '\\[other\\]' },
    { regexp: 'yes$', replace: 'no' },
    { regexp: 'absent-text', replace: 'x' },
    { regexp: '^key', replace: 'x', after: 'no-such-section' },
    { regexp: '\\n\\n', replace: '\n' },
    { regexp: '(?m)^$\\n', replace: '' },
    { regexp: '^(.*)$', replace: '[\\1]' },
  ];

  it('file contents, changed and msg agree case by case', async () => {
    const paths = CASES.map((_, i) => [join(dir, `ansible-${i}`), join(dir, `play-${i}`)]);
    for (const [theirs, ours] of paths) for (const path of [theirs, ours]) writeFileSync(path, TEXT);
    const results = ansibleResults(CASES.map((args, i) => ({ replace: { ...args, path: paths[i][0] } })));
    for (const [i, args] of CASES.entries()) {
      const ours = await runModule(getModule('replace')!, { ...args, path: paths[i][1] }, makeContext(conn));
      expect({ args, content: readFileSync(paths[i][1], 'utf8'), changed: ours.changed }).toEqual({
        args,
        content: readFileSync(paths[i][0], 'utf8'),
        changed: results[i].changed,
      });
      expect({ args, msg: ours.msg }).toEqual({ args, msg: String(results[i].msg).replace(/: .*$/s, '') });
    }
  }, 300_000);

  it('check mode predicts and writes nothing; a second run changes nothing; owner/mode alone is a change', async () => {
    const path = join(dir, 'cycle');
    writeFileSync(path, TEXT);
    const args = { path, regexp: '^Port 22$', replace: 'Port 2222', mode: '0600' };
    const predicted = await runModule(getModule('replace')!, args, makeContext(conn, { check: true, diff: true }));
    expect(predicted).toMatchObject({ changed: true, msg: '1 replacements made' });
    expect(predicted.diff).toEqual([{ path, before: TEXT, after: TEXT.replace('Port 22\n', 'Port 2222\n') }]);
    expect(readFileSync(path, 'utf8')).toBe(TEXT);
    expect((await runModule(getModule('replace')!, args, makeContext(conn))).changed).toBe(true);
    expect((await runModule(getModule('replace')!, args, makeContext(conn))).changed).toBe(false);
    const modeOnly = await runModule(getModule('replace')!, { ...args, mode: '0640' }, makeContext(conn));
    expect(modeOnly).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
  });

  it('a path that is missing or a directory fails as in Ansible', async () => {
    await expect(runModule(getModule('replace')!, { path: join(dir, 'nope'), regexp: 'x' }, makeContext(conn))).rejects.toThrow(`Path ${join(dir, 'nope')} does not exist !`);
    expect(getModule('replace')!.args.safeParse({ path: 'x', regexp: '(?x)a' }).success).toBe(false);
  });
});
