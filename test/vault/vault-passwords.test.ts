import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VAULT_PASSWORD_ENV, VaultError, decryptVault, encryptVault, parseVaultIdOption, readPasswordFile, resolveVaultPasswords } from '../../src/vault';

describe('vault password sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'play-vault-secrets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('reads a password file, trimmed like Ansible', () => {
    expect(readPasswordFile(file('pw', '  s3cret \n')).password.toString()).toBe('s3cret');
  });

  it('runs an executable password file and takes its stdout', () => {
    const script = file('pw.sh', '#!/bin/sh\nprintf "from-script\\n"\n', 0o700);
    expect(readPasswordFile(script).password.toString()).toBe('from-script');
  });

  it('passes --vault-id to a *-client script', () => {
    const script = file('vault-client.sh', '#!/bin/sh\n[ "$1" = "--vault-id" ] && echo "pw-for-$2"\n', 0o700);
    expect(readPasswordFile(script, 'prod').password.toString()).toBe('pw-for-prod');
  });

  it('refuses an empty, a missing and a failing password source, naming it', () => {
    expect(() => readPasswordFile(file('empty', '\n'))).toThrow(/empty/);
    expect(() => readPasswordFile(join(dir, 'missing'))).toThrow(VaultError);
    expect(() => readPasswordFile(join(dir, 'missing'))).toThrow(/missing/);
    const failing = file('fail.sh', '#!/bin/sh\nexit 3\n', 0o700);
    expect(() => readPasswordFile(failing)).toThrow(/fail\.sh/);
  });

  it('parses --vault-id label@source', () => {
    expect(parseVaultIdOption('prod@/x/pw')).toEqual({ id: 'prod', source: '/x/pw' });
    expect(parseVaultIdOption('/x/pw')).toEqual({ id: 'default', source: '/x/pw' });
    expect(parseVaultIdOption('dev@prompt')).toEqual({ id: 'dev', source: 'prompt' });
  });

  it('collects files, vault ids, the environment variable and prompts, in that order', async () => {
    const asked: string[] = [];
    const secrets = await resolveVaultPasswords({
      passwordFiles: [file('a', 'pw-a')],
      vaultIds: [`prod@${file('b', 'pw-b')}`, 'dev@prompt'],
      env: { [VAULT_PASSWORD_ENV]: 'pw-env' },
      askPassword: async (q) => {
        asked.push(q);
        return 'pw-prompt';
      },
    });
    expect(secrets.entries.map((e) => [e.id, e.password.toString()])).toEqual([
      ['default', 'pw-a'],
      ['prod', 'pw-b'],
      ['dev', 'pw-prompt'],
      ['default', 'pw-env'],
    ]);
    expect(asked).toEqual(['Vault password (dev): ']);
  });

  it('prompts only when asked to and nothing else gave a password', async () => {
    const ask = jest.fn(async () => 'typed');
    expect((await resolveVaultPasswords({ env: {}, prompt: false, askPassword: ask })).isEmpty).toBe(true);
    expect((await resolveVaultPasswords({ env: { [VAULT_PASSWORD_ENV]: 'e' }, prompt: true, askPassword: ask })).entries).toHaveLength(1);
    expect(ask).not.toHaveBeenCalled();
    const prompted = await resolveVaultPasswords({ env: {}, prompt: true, askPassword: ask });
    expect(prompted.entries[0].password.toString()).toBe('typed');
  });

  it('runs a password script only at the first decrypt, and once', async () => {
    const runs = join(dir, 'runs');
    const script = file('lazy.sh', `#!/bin/sh\necho run >> ${runs}\necho lazy-pw\n`, 0o700);
    const secrets = await resolveVaultPasswords({ passwordFiles: [script], env: {} });
    expect(secrets.isEmpty).toBe(false);
    expect(existsSync(runs)).toBe(false);
    const vaulted = encryptVault('data', 'lazy-pw');
    expect(decryptVault(vaulted, secrets).toString()).toBe('data');
    expect(decryptVault(vaulted, secrets).toString()).toBe('data');
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
  });

  it('keeps a failing password source failing, without running it again', async () => {
    const runs = join(dir, 'fail-runs');
    const secrets = await resolveVaultPasswords({ passwordFiles: [file('failing.sh', `#!/bin/sh\necho run >> ${runs}\nexit 1\n`, 0o700)], env: {} });
    expect(() => secrets.entries).toThrow(/failing\.sh/);
    expect(() => secrets.entries).toThrow(/failing\.sh/);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
  });

  it('removes $PLAY_VAULT_PASSWORD from the environment it read it from', async () => {
    const env: NodeJS.ProcessEnv = { [VAULT_PASSWORD_ENV]: 'pw-env', OTHER: 'kept' };
    const secrets = await resolveVaultPasswords({ env });
    expect(env).toEqual({ OTHER: 'kept' });
    expect(secrets.entries.map((e) => e.password.toString())).toEqual(['pw-env']);
  });

  it('tells every password, from any source, as it becomes known', async () => {
    const told: string[] = [];
    const secrets = await resolveVaultPasswords({
      passwordFiles: [file('told', 'pw-file')],
      vaultIds: ['dev@prompt'],
      env: { [VAULT_PASSWORD_ENV]: 'pw-env' },
      askPassword: async () => 'pw-prompt',
      onPassword: (password) => told.push(password),
    });
    expect(told).toEqual(['pw-prompt', 'pw-env']);
    expect(secrets.entries).toHaveLength(3);
    expect(told).toEqual(['pw-prompt', 'pw-env', 'pw-file']);
  });
});
