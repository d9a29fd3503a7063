import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModule } from '../../src/modules';
import { LocalConnection } from '../../src/transport';
import { ansibleResults } from './ansible-oracle';
import { makeContext, runModule } from './context';

/**
 * pam_limits run by play and by ansible-core (community.general) on copies of the same file:
 * the same bytes, `changed`, `msg` and failures, quirks included.
 */
const conn = new LocalConnection();
const pamLimits = getModule('community.general.pam_limits');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-pam-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** The file before; undefined: no file. */
  before?: string;
  args: Record<string, unknown>;
  /** dest in a directory that does not exist. */
  noDir?: boolean;
}

const DEBIAN_HEAD = '# /etc/security/limits.conf\n#\n#<domain>      <type>  <item>         <value>\n#\n\n';
const CASES: Case[] = [
  { name: 'appends a new limit', before: DEBIAN_HEAD + '# End of file\n', args: { domain: 'joe', limit_type: 'soft', limit_item: 'nofile', value: 64000 } },
  { name: 'keeps a limit already set', before: '*  soft  nofile  1024\n', args: { domain: '*', limit_type: 'soft', limit_item: 'nofile', value: '1024' } },
  { name: 'rewrites a different value, with comment', before: '@adm   hard   nproc   20 # old\n', args: { domain: '@adm', limit_type: 'hard', limit_item: 'nproc', value: 50, comment: 'more' } },
  { name: 'takes an earlier line comment for a new line', before: '*\tsoft\tnofile\t1024 # old\n', args: { domain: 'joe', limit_type: 'hard', limit_item: 'nofile', value: 9 } },
  { name: 'use_max keeps a larger value', before: 'joe - memlock 8192\n', args: { domain: 'joe', limit_type: '-', limit_item: 'memlock', value: 64, use_max: true } },
  { name: 'use_max raises a smaller value', before: 'joe - memlock 8\n', args: { domain: 'joe', limit_type: '-', limit_item: 'memlock', value: 64, use_max: true } },
  { name: 'use_min lowers unlimited', before: 'joe - memlock unlimited\n', args: { domain: 'joe', limit_type: '-', limit_item: 'memlock', value: 64, use_min: true } },
  { name: 'nice accepts negative values', before: '', args: { domain: 'joe', limit_type: 'soft', limit_item: 'nice', value: -5 } },
  { name: 'a last line without newline', before: '# no newline at the end', args: { domain: 'joe', limit_type: 'soft', limit_item: 'core', value: 0 } },
  { name: 'creates a missing file', args: { domain: 'joe', limit_type: 'hard', limit_item: 'nproc', value: 'unlimited' } },
  { name: 'fails on an invalid line in the file', before: '* soft nofile lots\n', args: { domain: 'joe', limit_type: 'soft', limit_item: 'nofile', value: 1 } },
  { name: 'fails on an invalid value', before: '', args: { domain: 'joe', limit_type: 'soft', limit_item: 'nice', value: 30 } },
  { name: 'fails without the directory', noDir: true, args: { domain: 'joe', limit_type: 'soft', limit_item: 'nofile', value: 1 } },
];

function destFor(tool: string, i: number, c: Case): string {
  const base = join(dir, tool, String(i));
  mkdirSync(base, { recursive: true });
  const dest = c.noDir ? join(base, 'missing', 'limits.conf') : join(base, 'limits.conf');
  if (c.before !== undefined) writeFileSync(dest, c.before);
  return dest;
}

interface Outcome {
  failed: boolean;
  changed?: boolean;
  msg?: unknown;
  content?: string;
  mode?: number;
}

function fileOf(dest: string): Pick<Outcome, 'content' | 'mode'> {
  return existsSync(dest) ? { content: readFileSync(dest, 'utf8'), mode: statSync(dest).mode & 0o777 } : {};
}

async function byPlay(args: Record<string, unknown>, check = false): Promise<Omit<Outcome, 'content' | 'mode'>> {
  try {
    const result = await runModule(pamLimits!, args, makeContext(conn, { check }));
    return { failed: false, changed: result.changed, msg: result.msg };
  } catch {
    return { failed: true };
  }
}

function byAnsible(result: Record<string, unknown>): Omit<Outcome, 'content' | 'mode'> {
  return result.failed ? { failed: true } : { failed: false, changed: result.changed as boolean, msg: result.msg };
}

describe('pam_limits, as community.general edits limits.conf', () => {
  test('the same file, changed, msg and failures as Ansible; a second run changes nothing', async () => {
    const ansibleDests = CASES.map((c, i) => destFor('ansible', i, c));
    const reference = ansibleResults(CASES.map((c, i) => ({ name: c.name, 'community.general.pam_limits': { ...c.args, dest: ansibleDests[i] } })));
    for (const [i, c] of CASES.entries()) {
      const dest = destFor('play', i, c);
      const played = { ...(await byPlay({ ...c.args, dest })), ...fileOf(dest) };
      expect({ case: c.name, ...played }).toEqual({ case: c.name, ...byAnsible(reference[i]), ...fileOf(ansibleDests[i]) });
      // Ansible's own quirk: a line appended to a last line without newline is never found again
      if (!played.failed && c.name !== 'a last line without newline') expect({ case: c.name, again: (await byPlay({ ...c.args, dest })).changed }).toEqual({ case: c.name, again: false });
    }
  });

  test('check mode predicts the change and leaves the file (and a missing file) alone', async () => {
    for (const c of [CASES[0], CASES[9]]) {
      const dest = destFor('check', CASES.indexOf(c), c);
      const before = fileOf(dest);
      expect(await byPlay({ ...c.args, dest }, true)).toMatchObject({ failed: false, changed: true });
      expect(fileOf(dest)).toEqual(before);
    }
  });

  test('arguments are checked at load time with the module messages', () => {
    const parse = (args: Record<string, unknown>) => pamLimits!.args.safeParse({ domain: 'joe', limit_type: 'soft', limit_item: 'nofile', value: 1, ...args });
    expect(parse({ use_max: true, use_min: true }).error?.issues[0].message).toBe('Cannot use use_min and use_max at the same time.');
    expect(parse({ limit_item: 'nice', value: 20 }).error?.issues[0].message).toMatch(/^Value of '20' for item 'nice' is invalid/);
    expect(parse({ limit_type: 'both' }).success).toBe(false);
    expect(parse({ create: true }).success).toBe(false);
  });
});
