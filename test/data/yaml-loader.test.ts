import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../../src/data/redaction';
import { YamlError, loadYamlDocument, loadYamlFile, locate, parseYaml } from '../../src/data/yaml-loader';
import { VaultPasswords, encryptString, encryptVault } from '../../src/vault';

const vault = VaultPasswords.fromPassword('pw');

describe('YAML loading', () => {
  it('reads YAML 1.1 as Ansible does: yes/no/on/off booleans, but y/n and dates as strings', () => {
    const value = parseYaml('a: yes\nb: No\nc: on\nd: OFF\ne: y\nn: n\ndate: 2024-01-01\nport: 80\nhex: 0x1F\nx: ~\n', 'f.yml');
    expect(value).toEqual({ a: true, b: false, c: true, d: false, e: 'y', n: 'n', date: '2024-01-01', port: 80, hex: 31, x: null });
  });

  it('keeps octal-looking numbers (file modes) as written, so 0644 never becomes 420 or 644', () => {
    expect(parseYaml('mode: 0644\numask: 0022\nzero: 0\nplain: 644\nquoted: "0755"\n', 'f.yml')).toEqual({ mode: '0644', umask: '0022', zero: 0, plain: 644, quoted: '0755' });
  });

  it('supports anchors and << merge keys', () => {
    expect(parseYaml('base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n', 'f.yml')).toEqual({ base: { x: 1, y: 2 }, derived: { x: 1, y: 3 } });
  });

  it('reports syntax errors as file:line:column: message', () => {
    const attempt = (text: string): YamlError => {
      try {
        parseYaml(text, 'roles/web/tasks/main.yml');
      } catch (err) {
        return err as YamlError;
      }
      throw new Error('no error');
    };
    const nested = attempt('- name: ok\n  apt: {name: nginx\n- name: broken\n');
    expect(nested).toBeInstanceOf(YamlError);
    expect(nested.message).toMatch(/^roles\/web\/tasks\/main\.yml:\d+:\d+: /);
    const tab = attempt('a: 1\nb:\n\t- x\n');
    expect([tab.line, tab.column]).toEqual([3, 1]);
    const dup = attempt('name: a\nname: b\n');
    expect(dup.message).toBe('roles/web/tasks/main.yml:2:1: Map keys must be unique');
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadYamlFile('/nonexistent/play.yml')).toThrow('/nonexistent/play.yml: cannot read file: ENOENT');
  });

  it('locates parsed mappings, sequences and keys by line', () => {
    const value = parseYaml('- name: first\n  debug: {msg: hi}\n\n- name: second\n  when: x\n  loop:\n    - 1\n', 'tasks.yml') as Array<Record<string, unknown>>;
    expect(locate(value[0])).toEqual({ file: 'tasks.yml', line: 1, column: 3 });
    expect(locate(value[1])?.line).toBe(4);
    expect(locate(value[1], 'when')?.line).toBe(5);
    expect(locate(value[1].loop)?.line).toBe(7);
    expect(locate(value, 1)?.line).toBe(4);
    expect(locate({ copied: true })).toBeUndefined();
    expect(locate('string')).toBeUndefined();
  });

  it('decrypts whole-file vaults and registers every string value as a vault secret', () => {
    const secrets = new Redactor();
    const text = encryptVault('db_password: hunter22\nport: 5432\n', 'pw');
    expect(parseYaml(text, 'vault.yml', { vault, secrets })).toEqual({ db_password: 'hunter22', port: 5432 });
    expect(secrets.fromVault('hunter22')).toBe(true);
    expect(secrets.has('5432')).toBe(false);
  });

  it('decrypts `!vault |` scalars, leaving the rest as it is', () => {
    const secrets = new Redactor();
    const text = `user: app\n${encryptString('s3cr3t', 'password', 'pw')}`;
    expect(parseYaml(text, 'vars.yml', { vault, secrets })).toEqual({ user: 'app', password: 's3cr3t' });
    expect(secrets.fromVault('s3cr3t')).toBe(true);
    expect(secrets.has('app')).toBe(false);
  });

  it('fails on a wrong or missing vault password, naming the file (and the line of an inline value)', () => {
    const whole = encryptVault('a: 1\n', 'other');
    expect(() => parseYaml(whole, 'group_vars/all/vault.yml', { vault })).toThrow(/^group_vars\/all\/vault\.yml: vault: decryption failed/);
    const inline = `a: 1\n${encryptString('x', 'b', 'other')}`;
    expect(() => parseYaml(inline, 'vars.yml', { vault })).toThrow(/^vars\.yml:2:4: vault: decryption failed/);
    expect(() => parseYaml(inline, 'vars.yml', {})).toThrow(/no vault password was given/);
  });

  it('loads documents from disk with a line lookup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'play-yaml-'));
    try {
      writeFileSync(join(dir, 'main.yml'), '# comment\n- name: a\n  command: ls\n');
      const doc = loadYamlDocument(join(dir, 'main.yml'));
      expect(doc.lineOf((doc.value as unknown[])[0])).toEqual({ file: join(dir, 'main.yml'), line: 2, column: 3 });
      expect(loadYamlFile(join(dir, 'main.yml'))).toEqual([{ name: 'a', command: 'ls' }]);
      writeFileSync(join(dir, 'empty.yml'), '');
      expect(loadYamlFile(join(dir, 'empty.yml'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('YAML loading: aliases and keys are checked at load, messages never quote the text', () => {
  const attempt = (text: string, file = 'vars.yml', opts = {}): YamlError => {
    try {
      parseYaml(text, file, opts);
    } catch (err) {
      return err as YamlError;
    }
    throw new Error('no error');
  };

  it('refuses an alias inside the node it names (a cycle), naming file, line and column', () => {
    for (const [text, line, column] of [
      ['a: &x [1, *x]\n', 1, 11],
      ['top:\n  deep: &d\n    list:\n      - {inner: *d}\n', 4, 17],
      ['base: &b\n  x: 1\n  <<: *b\n', 3, 7],
      ['&root\nkey: *root\n', 2, 6],
    ] as const) {
      const err = attempt(text);
      expect(err).toBeInstanceOf(YamlError);
      expect(err.message).toBe(`vars.yml:${line}:${column}: alias to a node that contains it (a value cannot include itself)`);
    }
  });

  it('still accepts aliases to earlier nodes, and an anchor redefined later', () => {
    expect(parseYaml('a: &x [1]\nb: [*x, *x]\nc: &x {k: v}\nd: *x\n', 'f.yml')).toEqual({ a: [1], b: [[1], [1]], c: { k: 'v' }, d: { k: 'v' } });
  });

  it('refuses an alias with no anchor before it by position, without its name (in a vault file, a password starting with *)', () => {
    const text = encryptVault('user: app\ndb_password: *Xy7secretPW\n', 'pw');
    const err = attempt(text, 'group_vars/all/vault.yml', { vault });
    expect(err).toBeInstanceOf(YamlError);
    expect(err.message).toBe('group_vars/all/vault.yml:2:14: alias to an anchor that is not defined before it');
    expect(attempt('a: *later\nb: &later 1\n').message).toBe('vars.yml:1:4: alias to an anchor that is not defined before it');
  });

  it('tells only the kind of a syntax error in a decrypted vault file, whose text may be a secret', () => {
    const err = attempt(encryptVault('token: |S3cretHeader99\n  body\n', 'pw'), 'vault.yml', { vault });
    expect(err.message).toBe('vault.yml:1:9: syntax error (UNEXPECTED_TOKEN)');
    expect(attempt('token: |S3cretHeader99\n  body\n').message).toContain('Block scalar header includes extra characters');
  });

  it('finds duplicate keys as the yaml library did: scalar values compared, at the second key', () => {
    const duplicate = (text: string) => attempt(text).message;
    expect(duplicate('a: 1\nb: 2\na: 3\n')).toBe('vars.yml:3:1: Map keys must be unique');
    expect(duplicate('m: {x: 1, y: 2, x: 3}\n')).toBe('vars.yml:1:17: Map keys must be unique');
    expect(duplicate('outer:\n  inner:\n    k: 1\n    k: 2\n')).toBe('vars.yml:4:5: Map keys must be unique');
    expect(duplicate('- a: 1\n- b: 1\n  b: 2\n')).toBe('vars.yml:3:3: Map keys must be unique');
    expect(duplicate('yes: 1\ntrue: 2\n')).toBe('vars.yml:2:1: Map keys must be unique');
    expect(duplicate('0644: a\n"0644": b\n')).toBe('vars.yml:2:1: Map keys must be unique');
    expect(parseYaml('1: a\n"1": b\n', 'f.yml')).toEqual({ 1: 'b' });
    expect(parseYaml('a: {k: 1}\nb: {k: 2}\n', 'f.yml')).toEqual({ a: { k: 1 }, b: { k: 2 } });
    expect(parseYaml('x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n', 'f.yml')).toEqual({ x: { a: 1 }, y: { b: 2 }, z: { a: 1, b: 2 } });
    expect(parseYaml('? [k]\n: 1\n? [k]\n: 2\n', 'f.yml')).toEqual({ '[ k ]': 2 });
  });

  it('finds the duplicate among a thousand keys, wherever the two are', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `key_${i}: ${i}\n`);
    expect(Object.keys(parseYaml(keys.join(''), 'f.yml') as object)).toHaveLength(1000);
    expect(attempt([...keys, 'key_0: again\n'].join('')).message).toBe('vars.yml:1001:1: Map keys must be unique');
    expect(attempt([...keys.slice(0, 500), 'key_499: again\n', ...keys.slice(500)].join('')).message).toBe('vars.yml:501:1: Map keys must be unique');
  });

  it('reports the first problem in the file, whether the parser or the load check found it', () => {
    expect(attempt('a: 1\na: 2\nb: [unclosed\n').message).toBe('vars.yml:2:1: Map keys must be unique');
    expect(attempt('b: [unclosed\na: 1\na: 2\n').message).not.toContain('Map keys must be unique');
  });
});
