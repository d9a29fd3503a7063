import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLookups } from '../../src/lang/lookups';
import { ExpressionError, evaluate } from '../../src/lang/expressions';
import { expressionNames } from '../../src/engine/playbook/expression-names';
import { resolveLocal } from '../../src/engine/playbook/local-files';
import { Redactor } from '../../src/data/redaction';
import { TemplateError, renderValue } from '../../src/lang/templates';
import { VaultPasswords, encryptVault } from '../../src/vault';
import { thrown } from '../support/thrown';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-lookup-'));
  for (const sub of ['files', 'templates', 'roles/web/files', 'roles/web/templates']) mkdirSync(join(dir, sub), { recursive: true });
  configureLookups({ resolveLocal });
});
afterEach(() => {
  configureLookups({});
  rmSync(dir, { recursive: true, force: true });
});

const write = (path: string, content: string) => writeFileSync(join(dir, path), content);
const at = { file: 'play.yml', line: 7 };

const errorOf = thrown;

describe('range()', () => {
  test("Python's range: end, start/end, step (negative too), empty when it does not reach", () => {
    expect(evaluate('range(3)', {})).toEqual([0, 1, 2]);
    expect(evaluate('range(1, 4) | list', {})).toEqual([1, 2, 3]);
    expect(evaluate('range(0, 10, 3)', {})).toEqual([0, 3, 6, 9]);
    expect(evaluate('range(5, 0, -2)', {})).toEqual([5, 3, 1]);
    expect(evaluate('range(3, 1)', {})).toEqual([]);
    expect(evaluate('range(n) | length', { n: 4 })).toBe(4);
  });

  test('in a {{ }} value (a loop) it keeps its type', () => {
    expect(renderValue('{{ range(1, 4) | list }}', {}, at)).toEqual([1, 2, 3]);
    expect(renderValue('{{ range(2) | join(",") }}', {}, at)).toBe('0,1');
  });

  test('too big, a zero step or a non-integer is one error naming file:line', () => {
    const big = errorOf(() => renderValue('{{ range(1000000) }}', {}, at));
    expect(big).toBeInstanceOf(TemplateError);
    expect(big.message).toMatch(/^play\.yml:7: range\(\) of 1000000 items is more than the 100000 allowed/);
    expect(errorOf(() => evaluate('range(1, 5, 0)', {})).message).toContain('step must not be zero');
    expect(errorOf(() => evaluate("range('3')", {})).message).toContain('range() end must be an integer, not string');
    expect(errorOf(() => evaluate('range(1.5)', {})).message).toContain('must be an integer, not number 1.5');
  });

  test('an unknown function is an error; function names are not variables, their arguments are', () => {
    const err = errorOf(() => evaluate('nope(1)', {}));
    expect(err).toBeInstanceOf(ExpressionError);
    expect(err.message).toContain("unknown function 'nope'");
    expect(expressionNames('range(count) | list')).toEqual(['count']);
    expect(expressionNames("lookup('env', name, default=fallback)")).toEqual(['name', 'fallback']);
  });
});

describe('lookup()', () => {
  const vars = () => ({ playbook_dir: dir, role_path: join(dir, 'roles/web') });

  test("file: the role's files/ first, then the playbook's files/ and directory; trailing whitespace stripped", () => {
    write('roles/web/files/motd', 'from the role\n\n');
    write('files/motd', 'from the playbook\n');
    write('files/banner', '  banner  \n');
    write('notes.txt', 'next to the playbook\n');
    expect(evaluate("lookup('file', 'motd')", vars())).toBe('from the role');
    expect(evaluate("lookup('file', 'motd')", { playbook_dir: dir })).toBe('from the playbook');
    expect(evaluate("lookup('file', 'banner')", vars())).toBe('  banner');
    expect(evaluate("lookup('file', 'banner', lstrip=True)", vars())).toBe('banner');
    expect(evaluate("lookup('file', 'banner', rstrip=False)", vars())).toBe('  banner  \n');
    expect(evaluate("lookup('file', 'notes.txt')", vars())).toBe('next to the playbook');
    expect(evaluate(`lookup('file', '${join(dir, 'files/motd')}')`, {})).toBe('from the playbook');
  });

  test('several terms: joined with "," by lookup, a list with query / q / wantlist=True', () => {
    write('files/a', 'A\n');
    write('files/b', 'B\n');
    expect(evaluate("lookup('file', 'a', 'b')", vars())).toBe('A,B');
    expect(evaluate("query('file', 'a', 'b')", vars())).toEqual(['A', 'B']);
    expect(evaluate("q('file', 'a')", vars())).toEqual(['A']);
    expect(evaluate("lookup('file', 'a', wantlist=True)", vars())).toEqual(['A']);
  });

  test("file and template search where the engine says (it gives its search to the language); env needs none", () => {
    write('files/motd', 'from the playbook\n');
    configureLookups({ resolveLocal: (path, kind, _role, playbookDir) => join(playbookDir, kind, `${path}.txt`) });
    expect(errorOf(() => evaluate("lookup('file', 'motd')", vars())).message).toContain("could not locate file 'motd'");
    write('files/motd.txt', 'found by the given search\n');
    expect(evaluate("lookup('file', 'motd')", vars())).toBe('found by the given search');
    configureLookups({});
    expect(errorOf(() => renderValue("{{ lookup('file', 'motd') }}", vars(), at)).message).toMatch(/^play\.yml:7: lookup\('file'\) needs the playbook's file search/);
    expect(evaluate("lookup('env', 'PLAY_LOOKUP_UNSET')", {})).toBe('');
  });

  test('env: the variable, or "" (or default=) when it is not set', () => {
    process.env.PLAY_LOOKUP_TEST = 'from env';
    try {
      expect(evaluate("lookup('env', 'PLAY_LOOKUP_TEST')", {})).toBe('from env');
      expect(evaluate("lookup('env', 'PLAY_LOOKUP_UNSET')", {})).toBe('');
      expect(evaluate("lookup('env', 'PLAY_LOOKUP_UNSET', default='dflt')", {})).toBe('dflt');
    } finally {
      delete process.env.PLAY_LOOKUP_TEST;
    }
  });

  test("template: a Jinja2 (or .hbs Handlebars) file from the role's templates/, rendered with the task's variables", () => {
    write('roles/web/templates/site.conf', 'listen {{ port }};\n{% for n in names %}{{ n }} {% endfor %}\n');
    write('roles/web/templates/site.conf.hbs', 'listen {{ port }};\n{{#each names}}{{this}} {{/each}}\n');
    for (const name of ['site.conf', 'site.conf.hbs']) {
      expect(evaluate(`lookup('template', '${name}')`, { ...vars(), port: 8080, names: ['a', 'b'] })).toBe('listen 8080;\na b \n');
    }
    const missing = errorOf(() => renderValue("{{ lookup('template', 'site.conf') }}", vars(), at));
    expect(missing.message).toContain("'port' is undefined");
  });

  test('varnames: the names of the variables matching a regular expression', () => {
    const names = { ...vars(), ssh_port: 22, ssh_user: 'a', other: 1 };
    expect(evaluate("lookup('varnames', '^ssh_')", names)).toBe('ssh_port,ssh_user');
    expect(evaluate("query('varnames', '^ssh_p', '^oth')", names)).toEqual(['ssh_port', 'other']);
    expect(evaluate("not lookup('varnames', '^nope$')", names)).toBe(true);
  });

  test("vars: a variable whose name is computed, its value as it is (Ansible's lookup returns a lone non-text result unjoined)", () => {
    const some = { ...vars(), db: { credential: { variable: 'db_password' } }, db_password: 's3', ports: [1, 2] };
    expect(evaluate("lookup('vars', db.credential.variable)", some)).toBe('s3');
    expect(evaluate("lookup('vars', 'ports')", some)).toEqual([1, 2]);
    expect(evaluate("lookup('vars', 'db_password', 'ports')", some)).toEqual(['s3', [1, 2]]);
    expect(evaluate("lookup('vars', 'nope', default='x')", some)).toBe('x');
    expect(errorOf(() => renderValue("{{ lookup('vars', 'nope') }}", some, at)).message).toMatch(/^play\.yml:7: lookup\('vars'\): no variable found with this name: nope/);
  });

  test('pipe is refused, an unknown plugin and a missing file are errors naming file:line', () => {
    const pipe = errorOf(() => renderValue("{{ lookup('pipe', 'date') }}", vars(), at));
    expect(pipe.message).toMatch(/^play\.yml:7: lookup\('pipe'\) is not supported: it would run a command on the controller/);
    const unknown = errorOf(() => renderValue("{{ lookup('dig', 'example.org') }}", vars(), at));
    expect(unknown.message).toMatch(/^play\.yml:7: unknown lookup plugin 'dig' \(supported: file, template, env, varnames, vars\)/);
    const missing = errorOf(() => renderValue("{{ lookup('file', 'nope.txt') }}", vars(), at));
    expect(missing.message).toMatch(/^play\.yml:7: lookup\('file'\): could not locate file 'nope\.txt'/);
  });

  test('a vaulted file is decrypted with the run password and its content stays a vault secret', () => {
    write('files/token', encryptVault('s3cret-token\n', 'pw'));
    const secrets = new Redactor();
    configureLookups({ vault: VaultPasswords.fromPassword('pw'), secrets, resolveLocal });
    const token = evaluate("lookup('file', 'token')", vars());
    expect(token).toBe('s3cret-token');
    expect(secrets.fromVault(token)).toBe(true);
    expect(secrets.redact('token=s3cret-token')).toBe('token=********');

    write('templates/conf', encryptVault('password={{ user }}-s3cret\n', 'pw'));
    const rendered = evaluate("lookup('template', 'conf')", { ...vars(), user: 'app' });
    expect(rendered).toBe('password=app-s3cret\n');
    expect(secrets.fromVault(rendered)).toBe(true);

    configureLookups({ vault: VaultPasswords.fromPassword('wrong'), secrets, resolveLocal });
    expect(errorOf(() => evaluate("lookup('file', 'token')", vars())).message).toContain(`lookup('file') of ${join(dir, 'files/token')}: vault:`);
  });
});
