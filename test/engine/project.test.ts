import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../src/data/extra-vars';
import { findProjectRoot, loadProject, resolvePlaybook } from '../../src/engine/playbook/project';
import { encryptVault, VaultPasswords } from '../../src/vault';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-project-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the project', () => {
  test('root: the nearest directory with play.yml or playbooks/, searching upward', () => {
    mkdirSync(join(dir, 'playbooks'));
    mkdirSync(join(dir, 'roles/web/tasks'), { recursive: true });
    expect(findProjectRoot(join(dir, 'roles/web/tasks'))).toBe(dir);
  });

  test('play.yml: inventory (string or list) and vault password file, relative to the root', () => {
    writeFileSync(join(dir, 'play.yml'), 'inventory: [inventory/lab, extra.yml]\nforks: 20\nvault_password_file: .vault-pass\n');
    expect(loadProject(dir)).toEqual({
      root: dir,
      inventory: [join(dir, 'inventory/lab'), join(dir, 'extra.yml')],
      forks: 20,
      vaultPasswordFile: join(dir, '.vault-pass'),
    });
  });

  test('a bad play.yml names the file and the field', () => {
    writeFileSync(join(dir, 'play.yml'), 'inventry: inventory/lab\n');
    expect(() => loadProject(dir)).toThrow(`${join(dir, 'play.yml')}:1: inventry: `);
    writeFileSync(join(dir, 'play.yml'), 'forks: many\n');
    expect(() => loadProject(dir)).toThrow(/play\.yml:1: forks: /);
  });

  test('`site` is playbooks/site.yml; a path is used as it is; an unknown name is an error', () => {
    mkdirSync(join(dir, 'playbooks'));
    writeFileSync(join(dir, 'playbooks/site.yml'), '[]\n');
    writeFileSync(join(dir, 'other.yml'), '[]\n');
    const project = loadProject(dir);
    expect(resolvePlaybook('site', project, dir)).toBe(join(dir, 'playbooks/site.yml'));
    expect(resolvePlaybook('other.yml', project, dir)).toBe(join(dir, 'other.yml'));
    expect(() => resolvePlaybook('nope', project, dir)).toThrow("no playbook 'nope'");
  });
});

describe('the project search trusts only what no one else can write', () => {
  // a uid that is neither ours nor root's (nobody); the suite runs as root, so chown works
  const OTHER = 65534;
  const parentWithPlayYml = (): string => {
    writeFileSync(join(dir, 'play.yml'), 'inventory: hostile.yml\nvault_password_file: run-me.sh\n');
    mkdirSync(join(dir, 'work'));
    return join(dir, 'work');
  };

  test("a parent directory another user owns ends the search: its play.yml is not used, and the warning says why", () => {
    const cwd = parentWithPlayYml();
    chownSync(dir, OTHER, OTHER);
    chownSync(join(dir, 'play.yml'), OTHER, OTHER);
    expect(findProjectRoot(cwd)).toBeUndefined();
    const project = loadProject(cwd);
    expect(project).toMatchObject({ root: cwd, inventory: [] });
    expect(project.vaultPasswordFile).toBeUndefined();
    expect(project.ignored).toBe(`ignoring ${join(dir, 'play.yml')}: ${dir} is owned by uid ${OTHER} (play uses a play.yml only in directories that only you, root or your own group can write)`);
  });

  test('so does a parent directory others, or a group other than ours, can write (as /tmp)', () => {
    const cwd = parentWithPlayYml();
    chmodSync(dir, 0o1777);
    expect(loadProject(cwd)).toMatchObject({ root: cwd, inventory: [], ignored: expect.stringContaining(`${dir} is writable by others`) });
    chmodSync(dir, 0o770);
    chownSync(dir, 0, OTHER);
    expect(loadProject(cwd).ignored).toContain(`${dir} is writable by group ${OTHER}`);
  });

  test('a directory writable by our own group (a user-private group, umask 002) is ours', () => {
    const cwd = parentWithPlayYml();
    chmodSync(dir, 0o770);
    chownSync(dir, 0, process.getgid!());
    const project = loadProject(cwd);
    expect(project.root).toBe(dir);
    expect(project.ignored).toBeUndefined();
  });

  test('a play.yml someone else owns or can write, in a safe directory, is refused', () => {
    writeFileSync(join(dir, 'play.yml'), 'forks: 2\n');
    chownSync(join(dir, 'play.yml'), OTHER, OTHER);
    expect(() => loadProject(dir)).toThrow(`refusing ${join(dir, 'play.yml')}: ${join(dir, 'play.yml')} is owned by uid ${OTHER}`);
    chownSync(join(dir, 'play.yml'), 0, 0);
    chmodSync(join(dir, 'play.yml'), 0o646);
    expect(() => loadProject(dir)).toThrow(`is writable by others`);
    chmodSync(join(dir, 'play.yml'), 0o644);
    expect(loadProject(dir).forks).toBe(2);
  });
});

describe('extra vars (-e)', () => {
  test('key=value (strings), JSON, @file; later ones win', () => {
    writeFileSync(join(dir, 'vars.yml'), 'port: 8080\nlist: [1, 2]\n');
    expect(parseExtraVars(['a=1 b="two words"', '{"c": [1], "a": 3}', '@vars.yml'], { cwd: dir })).toEqual({
      a: 3,
      b: 'two words',
      c: [1],
      port: 8080,
      list: [1, 2],
    });
  });

  test('@file may be vaulted; bad input is one clear error', () => {
    writeFileSync(join(dir, 'secret.yml'), encryptVault('token: abc\n', 'pw'));
    expect(parseExtraVars(['@secret.yml'], { cwd: dir, vault: VaultPasswords.fromPassword('pw') })).toEqual({ token: 'abc' });
    expect(() => parseExtraVars(['not a pair'], { cwd: dir })).toThrow("-e: cannot read 'not a pair'");
    expect(() => parseExtraVars(['@missing.yml'], { cwd: dir })).toThrow('missing.yml');
    writeFileSync(join(dir, 'list.yml'), '[1]\n');
    expect(() => parseExtraVars(['@list.yml'], { cwd: dir })).toThrow('extra vars must be a mapping');
  });
});
