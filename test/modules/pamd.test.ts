import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModule } from '../../src/modules';
import { LocalConnection } from '../../src/transport';
import { ansibleResults } from './ansible-oracle';
import { makeContext, runModule } from './context';

/**
 * pamd run by play and by ansible-core (community.general) on copies of the same files (Debian 12's
 * real /etc/pam.d/sshd first): the same bytes (but the time in the module's `# Updated by Ansible`
 * mark), `changed`, `change_count`, failures, a backup when asked.
 */
const conn = new LocalConnection();
const pamd = getModule('community.general.pamd');
const SSHD = readFileSync('/etc/pam.d/sshd', 'utf8');
const SELINUX = '[success=ok ignore=ignore module_unknown=ignore default=bad]';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-pamd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** The service file before; undefined: no file. */
  before?: string;
  args: Record<string, unknown>;
  /**
   * Ansible's own quirks: a rule added after the last rule is added again on every run; a bracketed
   * argument written after a bracketed control is read back as part of the control.
   */
  notIdempotent?: boolean;
  /** A failure with the module's own message (not a crash nor a refused argument). */
  sameMsg?: boolean;
}

const CASES: Case[] = [
  {
    name: 'ssh_hardening: Disable dynamic MOTD',
    before: SSHD,
    args: { type: 'session', control: 'optional', module_path: 'pam_motd.so', state: 'absent', backup: true },
  },
  { name: 'updated: control and arguments', before: SSHD, args: { type: 'session', control: 'optional', module_path: 'pam_mail.so', new_control: 'required', module_arguments: ['standard'] } },
  { name: 'updated: a bracketed control', before: SSHD, args: { type: 'session', control: SELINUX, module_path: 'pam_selinux.so', new_control: '[success=ok default=bad]' } },
  {
    name: 'before: a new rule',
    before: SSHD,
    args: { type: 'session', control: 'required', module_path: 'pam_limits.so', new_type: 'session', new_control: 'optional', new_module_path: 'pam_umask.so', module_arguments: 'umask=0022', state: 'before' },
  },
  {
    name: 'after: a new rule (comments in between dropped, as Ansible does)',
    before: SSHD,
    args: { type: 'account', control: 'required', module_path: 'pam_nologin.so', new_type: 'account', new_control: 'required', new_module_path: 'pam_access.so', state: 'after' },
  },
  {
    name: 'after the last rule',
    before: '#%PAM-1.0\nauth required pam_env.so\nauth\tsufficient\tpam_unix.so nullok\n# the end\n',
    args: { type: 'auth', control: 'sufficient', module_path: 'pam_unix.so', new_type: '-auth', new_control: 'optional', new_module_path: 'pam_fprintd.so', state: 'after' },
    notIdempotent: true,
  },
  { name: 'args_present: a flag and a value', before: SSHD, args: { type: 'session', control: 'required', module_path: 'pam_env.so', module_arguments: ['debug', 'user_readenv=0'], state: 'args_present' } },
  { name: 'args_present: comma list', before: SSHD, args: { type: 'session', control: 'optional', module_path: 'pam_keyinit.so', module_arguments: 'revoke,debug', state: 'args_present' } },
  { name: 'args_absent', before: SSHD, args: { type: 'session', control: 'optional', module_path: 'pam_keyinit.so', module_arguments: ['revoke'], state: 'args_absent' } },
  {
    name: 'before the first rule, below the comment',
    before: '#%PAM-1.0\n\nauth required pam_env.so\n',
    args: { type: 'auth', control: 'required', module_path: 'pam_env.so', new_type: 'auth', new_control: 'optional', new_module_path: 'pam_faildelay.so', module_arguments: ['delay=2000000'], state: 'before' },
  },
  { name: 'updated: empty module_arguments clears them', before: SSHD, args: { type: 'session', control: 'optional', module_path: 'pam_mail.so', module_arguments: '' } },
  { name: 'updated: bracketed arguments', before: 'auth  [default=die]  pam_x.so a  b\nauth required pam_y.so\n', args: { type: 'auth', control: '[default=die]', module_path: 'pam_x.so', module_arguments: ['[query=select * from t]', 'x = 1'] }, notIdempotent: true },
  { name: 'no matching rule', before: SSHD, args: { type: 'auth', control: 'required', module_path: 'pam_nothere.so', state: 'absent' } },
  { name: 'args_updated is no state of this module', before: SSHD, args: { type: 'session', control: 'required', module_path: 'pam_env.so', module_arguments: ['a=1'], state: 'args_updated' } },
  { name: 'an indented comment fails', before: 'auth required pam_env.so\n  # indented\n', args: { type: 'auth', control: 'required', module_path: 'pam_env.so', new_control: 'requisite' }, sameMsg: true },
  { name: 'a missing file fails', args: { type: 'auth', control: 'required', module_path: 'pam_env.so', state: 'absent' }, sameMsg: true },
];

function pathFor(tool: string, i: number, c: Case): string {
  const base = join(dir, tool, String(i));
  mkdirSync(base, { recursive: true });
  if (c.before !== undefined) writeFileSync(join(base, 'svc'), c.before);
  return base;
}

/** The module's mark holds the time of the run. */
function contentOf(path: string): string | undefined {
  const file = join(path, 'svc');
  return existsSync(file) ? readFileSync(file, 'utf8').replace(/^# Updated by Ansible - \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/m, '# Updated by Ansible - TIME') : undefined;
}

interface Outcome {
  failed: boolean;
  changed?: boolean;
  change_count?: unknown;
  backup?: boolean;
  msg?: string;
}

async function byPlay(args: Record<string, unknown>, check = false): Promise<Outcome> {
  try {
    const r = await runModule(pamd!, args, makeContext(conn, { check }));
    return { failed: false, changed: r.changed, change_count: r.change_count, backup: r.backupdest !== '' };
  } catch (err) {
    return { failed: true, msg: (err as Error).message };
  }
}

function byAnsible(r: Record<string, unknown>): Outcome {
  return r.failed ? { failed: true } : { failed: false, changed: r.changed as boolean, change_count: r.change_count, backup: r.backupdest !== '' };
}

describe('pamd, as community.general edits /etc/pam.d files', () => {
  test('the same file, changed, change_count and failures as Ansible; a second run changes nothing', async () => {
    const ansiblePaths = CASES.map((c, i) => pathFor('ansible', i, c));
    const reference = ansibleResults(CASES.map((c, i) => ({ name: c.name, 'community.general.pamd': { name: 'svc', ...c.args, path: ansiblePaths[i] } })));
    for (const [i, c] of CASES.entries()) {
      const path = pathFor('play', i, c);
      const { msg, ...played } = await byPlay({ name: 'svc', ...c.args, path });
      expect({ case: c.name, ...played, content: contentOf(path) }).toEqual({ case: c.name, ...byAnsible(reference[i]), content: contentOf(ansiblePaths[i]) });
      if (c.sameMsg) expect(msg?.replaceAll(path, 'DIR')).toBe(String(reference[i].msg).replaceAll(ansiblePaths[i], 'DIR'));
      if (!played.failed && !c.notIdempotent) {
        expect({ case: c.name, again: await byPlay({ name: 'svc', ...c.args, path }) }).toEqual({ case: c.name, again: { failed: false, changed: false, change_count: 0, backup: false } });
      }
    }
    expect(contentOf(join(dir, 'play', '0'))).not.toMatch(/pam_motd/);
    // the oracle really edited: every case but the last four changed its file
    expect(reference.map((r) => `${r.failed === true}/${r.changed}`)).toEqual([...CASES.slice(0, -4).map(() => 'false/true'), 'false/false', 'true/false', 'true/false', 'true/false']);
  });

  test('the backup holds the file before', async () => {
    const path = pathFor('backup', 0, CASES[0]);
    const r = await runModule(pamd!, { name: 'svc', ...CASES[0].args, path }, makeContext(conn));
    expect(readFileSync(r.backupdest as string, 'utf8')).toBe(SSHD);
  });

  test('check mode predicts the change and leaves the file alone', async () => {
    const path = pathFor('check', 0, CASES[0]);
    expect(await byPlay({ name: 'svc', ...CASES[0].args, path }, true)).toEqual({ failed: false, changed: true, change_count: 2, backup: false });
    expect(readFileSync(join(path, 'svc'), 'utf8')).toBe(SSHD);
  });

  test('arguments are checked at load time', () => {
    const parse = (a: Record<string, unknown>) => pamd!.args.safeParse({ name: 'sshd', type: 'auth', control: 'required', module_path: 'pam_env.so', ...a });
    expect(parse({ state: 'before' }).error?.issues[0].message).toBe('state is before but all of the following are missing: new_control, new_type, new_module_path');
    expect(parse({ state: 'args_present', module_arguments: ['[a=b]'] }).success).toBe(false);
    expect(parse({ type: 'login' }).success).toBe(false);
  });
});
