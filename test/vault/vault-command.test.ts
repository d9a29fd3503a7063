import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerVaultCommand } from '../../src/cli/vault-command';
import type { VaultCommandIo } from '../../src/cli/vault-command';
import { VaultPasswords, decryptVault, encryptVault } from '../../src/vault';
import { editInEditor } from '../../src/vault/vault-files';

describe('play vault', () => {
  let dir: string;
  let out: string;
  let err: string;
  let stdin: string;
  let prompts: string[];
  let answers: string[];
  let editor: string;

  const path = (name: string): string => join(dir, name);
  const io = (): VaultCommandIo => ({
    stdin: async () => Buffer.from(stdin),
    stdout: (text) => {
      out += text.toString();
    },
    stderr: (text) => {
      err += text;
    },
    env: {},
    askPassword: async (question) => {
      prompts.push(question);
      return answers.shift() ?? '';
    },
    edit: (initial) => editInEditor(initial, { ...process.env, EDITOR: editor }),
  });
  const play = async (...args: string[]): Promise<number> => {
    out = '';
    err = '';
    process.exitCode = undefined;
    // like src/cli/program.ts, the root command declares the vault options too
    const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
    const program = new Command('play').exitOverride().option('--vault-password-file <file>', '', collect).option('--vault-id <id>', '', collect);
    registerVaultCommand(program, io());
    await program.parseAsync(['vault', ...args], { from: 'user' });
    const code = process.exitCode ?? 0;
    process.exitCode = undefined;
    return code;
  };
  const decrypt = (file: string, password = 'pw-one'): string => decryptVault(readFileSync(path(file)), VaultPasswords.fromPassword(password)).toString();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'play-vault-cmd-'));
    writeFileSync(path('pw'), 'pw-one\n');
    writeFileSync(path('pw2'), 'pw-two\n');
    stdin = '';
    prompts = [];
    answers = [];
    // the "editor" records the mode and path of the file it was given, then writes new content
    editor = path('editor.sh');
    writeFileSync(editor, `#!/bin/sh\nstat -c %a "$1" > ${dir}/edited-mode\necho "$1" > ${dir}/edited-path\nprintf 'edited: yes\\n' > "$1"\n`);
    chmodSync(editor, 0o700);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('encrypts in place keeping the mode, views and decrypts', async () => {
    writeFileSync(path('vars.yml'), 'secret: 42\n', { mode: 0o640 });
    chmodSync(path('vars.yml'), 0o640);
    expect(await play('encrypt', '--vault-password-file', path('pw'), path('vars.yml'))).toBe(0);
    expect(readFileSync(path('vars.yml'), 'utf8')).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n/);
    expect(statSync(path('vars.yml')).mode & 0o777).toBe(0o640);
    expect(await play('view', '--vault-password-file', path('pw'), path('vars.yml'))).toBe(0);
    expect(out).toBe('secret: 42\n');
    expect(await play('decrypt', '--vault-password-file', path('pw'), '--output', '-', path('vars.yml'))).toBe(0);
    expect(out).toBe('secret: 42\n');
    expect(await play('decrypt', '--vault-password-file', path('pw'), path('vars.yml'))).toBe(0);
    expect(readFileSync(path('vars.yml'), 'utf8')).toBe('secret: 42\n');
  });

  it('names the file on a wrong password and changes none of the files', async () => {
    writeFileSync(path('a.yml'), encryptVault('a: 1\n', 'pw-one'));
    writeFileSync(path('b.yml'), encryptVault('b: 1\n', 'another'));
    const before = [readFileSync(path('a.yml'), 'utf8'), readFileSync(path('b.yml'), 'utf8')];
    expect(await play('decrypt', '--vault-password-file', path('pw'), path('a.yml'), path('b.yml'))).toBe(1);
    expect(err).toContain(path('b.yml'));
    expect(err).toMatch(/did not match/);
    expect([readFileSync(path('a.yml'), 'utf8'), readFileSync(path('b.yml'), 'utf8')]).toEqual(before);
  });

  it('refuses to encrypt twice and to decrypt a plain file', async () => {
    writeFileSync(path('v.yml'), encryptVault('x', 'pw-one'));
    expect(await play('encrypt', '--vault-password-file', path('pw'), path('v.yml'))).toBe(1);
    expect(err).toMatch(/already encrypted/);
    writeFileSync(path('plain.yml'), 'x: 1\n');
    expect(await play('view', '--vault-password-file', path('pw'), path('plain.yml'))).toBe(1);
    expect(err).toMatch(/plain\.yml is not vault-encrypted/);
  });

  it('rekeys to a new password file', async () => {
    writeFileSync(path('v.yml'), encryptVault('k: v\n', 'pw-one'));
    expect(await play('rekey', '--vault-password-file', path('pw'), '--new-vault-password-file', path('pw2'), path('v.yml'))).toBe(0);
    expect(decrypt('v.yml', 'pw-two')).toBe('k: v\n');
    expect(() => decrypt('v.yml', 'pw-one')).toThrow();
  });

  it('encrypts with a vault id (format 1.2) and edit keeps it', async () => {
    writeFileSync(path('v.yml'), 'a: 1\n');
    expect(await play('encrypt', '--vault-id', `prod@${path('pw')}`, '--encrypt-vault-id', 'prod', path('v.yml'))).toBe(0);
    expect(readFileSync(path('v.yml'), 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(await play('edit', '--vault-id', `prod@${path('pw')}`, path('v.yml'))).toBe(0);
    expect(readFileSync(path('v.yml'), 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(decrypt('v.yml')).toBe('edited: yes\n');
  });

  it('creates and edits through $EDITOR on a private temp file that is removed afterwards', async () => {
    expect(await play('create', '--vault-password-file', path('pw'), path('new.yml'))).toBe(0);
    expect(decrypt('new.yml')).toBe('edited: yes\n');
    expect(readFileSync(path('edited-mode'), 'utf8').trim()).toBe('600');
    const tempFile = readFileSync(path('edited-path'), 'utf8').trim();
    expect(tempFile.startsWith(dir)).toBe(false);
    expect(existsSync(tempFile)).toBe(false);
    expect(await play('create', '--vault-password-file', path('pw'), path('new.yml'))).toBe(1);
    expect(err).toMatch(/already exists/);
  });

  it('leaves the file untouched when the edit changes nothing or the editor fails', async () => {
    writeFileSync(path('v.yml'), encryptVault('edited: yes\n', 'pw-one'));
    const before = readFileSync(path('v.yml'), 'utf8');
    expect(await play('edit', '--vault-password-file', path('pw'), path('v.yml'))).toBe(0);
    expect(readFileSync(path('v.yml'), 'utf8')).toBe(before);
    writeFileSync(editor, '#!/bin/sh\nprintf "half-written" > "$1"\nexit 1\n');
    expect(await play('edit', '--vault-password-file', path('pw'), path('v.yml'))).toBe(1);
    expect(err).toMatch(/nothing was saved/);
    expect(readFileSync(path('v.yml'), 'utf8')).toBe(before);
  });

  it('encrypt_string prints named `!vault |` blocks, from arguments or stdin', async () => {
    expect(await play('encrypt_string', '--vault-password-file', path('pw'), '-n', 'db_pass', 's3cret')).toBe(0);
    expect(out).toMatch(/^db_pass: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/);
    const envelope = out.split('\n').slice(1).map((l) => l.trim()).join('\n');
    expect(decryptVault(envelope, VaultPasswords.fromPassword('pw-one')).toString()).toBe('s3cret');
    stdin = 'from stdin';
    expect(await play('encrypt_string', '--vault-password-file', path('pw'), '--stdin-name', 'token')).toBe(0);
    expect(out.startsWith('token: !vault |\n')).toBe(true);
  });

  it('asks for a password (with confirmation when encrypting) when no source is given', async () => {
    writeFileSync(path('v.yml'), 'a: 1\n');
    answers = ['typed', 'typed'];
    expect(await play('encrypt', path('v.yml'))).toBe(0);
    expect(prompts).toEqual(['Vault password: ', 'Confirm vault password: ']);
    expect(decrypt('v.yml', 'typed')).toBe('a: 1\n');
    writeFileSync(path('w.yml'), 'a: 1\n');
    answers = ['one', 'two'];
    expect(await play('encrypt', path('w.yml'))).toBe(1);
    expect(err).toMatch(/do not match/);
    expect(readFileSync(path('w.yml'), 'utf8')).toBe('a: 1\n');
  });
});
