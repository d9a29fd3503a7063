import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYaml } from '../../src/data/yaml-loader';
import { Redactor } from '../../src/data/redaction';
import { VaultError, VaultPasswords, decryptVault, encryptString, encryptVault } from '../../src/vault';

/** Interoperability with the real ansible-vault (ansible-core, a Debian package listed in .ci/debian-packages.txt). */
const available = spawnSync('ansible-vault', ['--version'], { stdio: 'ignore' }).status === 0;
const describeInterop = available ? describe : describe.skip;
if (!available) console.warn('SKIPPED: vault interop tests need ansible-vault on PATH (apt-get install ansible-core)');

const CONTENTS: Record<string, string> = {
  empty: '',
  oneline: 'password: s3cret',
  multiline: 'db:\n  user: app\n  password: "p@ss: w0rd"\n\nlast line without newline',
  nonascii: 'clé: "Grüße, 秘密, ✓"\n',
  long: `${'0123456789abcdef'.repeat(64)}\n`,
};

describeInterop('vault interop with the real ansible-vault', () => {
  let dir: string;
  const pw = (name: string): string => join(dir, name);
  const ansibleVault = (args: string[]): string => execFileSync('ansible-vault', args, { cwd: dir, env: { ...process.env, ANSIBLE_NOCOLOR: '1' } }).toString();
  const play = (...passwords: Array<[string, string]>): VaultPasswords =>
    new VaultPasswords(passwords.map(([id, password]) => ({ id, password: Buffer.from(password), source: 'test' })));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'play-vault-interop-'));
    writeFileSync(pw('pw-a'), 'alpha-password\n', { mode: 0o600 });
    writeFileSync(pw('pw-b'), 'bravo-pässword\n', { mode: 0o600 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decrypts files that ansible-vault encrypted (1.1): empty, one line, multi-line, non-ASCII, long', () => {
    const names = Object.keys(CONTENTS).map((name) => {
      writeFileSync(join(dir, `a-${name}`), CONTENTS[name]);
      return `a-${name}`;
    });
    ansibleVault(['encrypt', '--vault-password-file', pw('pw-a'), ...names]);
    for (const name of Object.keys(CONTENTS)) {
      const vaulted = readFileSync(join(dir, `a-${name}`), 'utf8');
      expect(vaulted.startsWith('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
      expect(decryptVault(vaulted, play(['default', 'alpha-password'])).toString('utf8')).toBe(CONTENTS[name]);
    }
  });

  it('decrypts 1.2 files with a vault id, trying several passwords, and refuses a wrong one', () => {
    writeFileSync(join(dir, 'b-file'), CONTENTS.multiline);
    ansibleVault(['encrypt', '--vault-id', `prod@${pw('pw-b')}`, '--encrypt-vault-id', 'prod', 'b-file']);
    const vaulted = readFileSync(join(dir, 'b-file'), 'utf8');
    expect(vaulted.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    // the right password is second and labelled differently: still found
    expect(decryptVault(vaulted, play(['dev', 'alpha-password'], ['other', 'bravo-pässword'])).toString()).toBe(CONTENTS.multiline);
    expect(() => decryptVault(vaulted, play(['prod', 'alpha-password']))).toThrow(VaultError);
  });

  it('writes files that ansible-vault decrypts (1.1 and 1.2, several passwords)', () => {
    const written: Array<[string, string]> = [];
    for (const [name, content] of Object.entries(CONTENTS)) {
      writeFileSync(join(dir, `c-${name}`), encryptVault(content, 'alpha-password'));
      writeFileSync(join(dir, `d-${name}`), encryptVault(content, 'bravo-pässword', 'prod'));
      written.push([`c-${name}`, content], [`d-${name}`, content]);
    }
    ansibleVault(['decrypt', '--vault-id', `dev@${pw('pw-a')}`, '--vault-id', `prod@${pw('pw-b')}`, ...written.map(([f]) => f)]);
    for (const [file, content] of written) expect(readFileSync(join(dir, file), 'utf8')).toBe(content);
  });

  it('reads `!vault |` values that ansible-vault encrypt_string wrote, and registers them as secrets', () => {
    const out = ansibleVault(['encrypt_string', '--vault-password-file', pw('pw-a'), '--name', 'db_password', 'Grüße p@ss\nsecond line']);
    const yaml = `${out.trim()}\nplain: visible\n`;
    const secrets = new Redactor();
    const value = parseYaml(yaml, 'vars.yml', { vault: play(['default', 'alpha-password']), secrets }) as Record<string, string>;
    expect(value).toEqual({ db_password: 'Grüße p@ss\nsecond line', plain: 'visible' });
    expect(secrets.fromVault('Grüße p@ss\nsecond line')).toBe(true);
    expect(secrets.redact('value: Grüße p@ss')).toBe('value: ********');
  });

  it('writes `!vault |` values that Ansible itself reads from a vars file', () => {
    const values = { one: 'simple', two: 'multi\nline', three: 'ünïcødé ✓' };
    const vars = Object.entries(values)
      .map(([name, value]) => encryptString(value, name, 'alpha-password'))
      .join('');
    writeFileSync(join(dir, 'strings.yml'), vars);
    const out = execFileSync(
      'ansible',
      ['localhost', '-m', 'debug', '-a', 'msg={{ {"one": one, "two": two, "three": three} | to_json }}', '-e', '@strings.yml', '--vault-password-file', pw('pw-a')],
      { cwd: dir, env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'False', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False', ANSIBLE_NOCOLOR: '1' } },
    ).toString();
    const msg = JSON.parse(out.slice(out.indexOf('{'))).msg as string;
    expect(JSON.parse(msg)).toEqual(values);
  });
});
