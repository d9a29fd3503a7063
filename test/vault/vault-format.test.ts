import { VAULT_HEADER, VaultError, VaultPasswords, decryptVault, encryptString, encryptVault, isVaulted, parseEnvelope } from '../../src/vault';

const secrets = (...passwords: string[]): VaultPasswords =>
  new VaultPasswords(passwords.map((password, i) => ({ id: `id${i}`, password: Buffer.from(password), source: 'test' })));

describe('vault envelope', () => {
  it('round-trips text, including empty, multi-line and non-ASCII contents', () => {
    for (const plain of ['', 'one line', 'a\nb\n\nc\n', 'pässwörd ✓ 秘密', 'x'.repeat(16), 'y'.repeat(1000)]) {
      const vaulted = encryptVault(plain, 'pw');
      expect(decryptVault(vaulted, secrets('pw')).toString('utf8')).toBe(plain);
    }
  });

  it('writes format 1.1 with 80-column hex lines and a trailing newline', () => {
    const vaulted = encryptVault('secret', 'pw');
    const lines = vaulted.split('\n');
    expect(lines[0]).toBe(`${VAULT_HEADER};1.1;AES256`);
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -1);
    expect(body.slice(0, -1).every((l) => l.length === 80)).toBe(true);
    expect(body.every((l) => /^[0-9a-f]+$/.test(l))).toBe(true);
  });

  it('writes format 1.2 with the vault id, but 1.1 for the default id', () => {
    expect(encryptVault('s', 'pw', 'prod').split('\n')[0]).toBe(`${VAULT_HEADER};1.2;AES256;prod`);
    expect(encryptVault('s', 'pw', 'default').split('\n')[0]).toBe(`${VAULT_HEADER};1.1;AES256`);
    expect(parseEnvelope(encryptVault('s', 'pw', 'prod')).vaultId).toBe('prod');
  });

  it('uses a fresh salt each time (same plaintext, different ciphertext)', () => {
    expect(encryptVault('same', 'pw')).not.toBe(encryptVault('same', 'pw'));
    const envelope = parseEnvelope(encryptVault('same', 'pw'));
    expect(envelope.salt).toHaveLength(32);
    expect(envelope.hmac).toHaveLength(32);
    expect(envelope.ciphertext.length % 16).toBe(0);
  });

  it('refuses a wrong password with a VaultError, without returning garbage', () => {
    const vaulted = encryptVault('secret', 'right');
    expect(() => decryptVault(vaulted, secrets('wrong'))).toThrow(VaultError);
    expect(() => decryptVault(vaulted, secrets('wrong'))).toThrow(/did not match/);
    expect(() => decryptVault(vaulted, secrets('wrong', 'also wrong'))).toThrow(/all 2 vault passwords did not match/);
  });

  it('tries every password, the one labelled with the vault id first', () => {
    const vaulted = encryptVault('secret', 'second', 'id1');
    expect(decryptVault(vaulted, secrets('first', 'second')).toString()).toBe('secret');
    expect(secrets('first', 'second').candidatesFor('id1').map(String)).toEqual(['second', 'first']);
  });

  it('says so when no password was given', () => {
    expect(() => decryptVault(encryptVault('s', 'pw'), new VaultPasswords())).toThrow(/no vault password was given/);
  });

  it('detects damaged envelopes: bad hex, missing parts, tampered ciphertext', () => {
    const vaulted = encryptVault('secret', 'pw');
    expect(() => decryptVault(vaulted.replace(/\n[0-9a-f]/, '\nz'), secrets('pw'))).toThrow(/not hexadecimal/);
    expect(() => decryptVault(`${VAULT_HEADER};1.1;AES256\n${Buffer.from('abcd').toString('hex')}\n`, secrets('pw'))).toThrow(/damaged/);
    expect(() => decryptVault(`${VAULT_HEADER};1.1;AES128\n00\n`, secrets('pw'))).toThrow(/unsupported vault cipher/);
    expect(() => decryptVault(`${VAULT_HEADER};9.9;AES256\n00\n`, secrets('pw'))).toThrow(/unsupported vault format version/);
    const envelope = parseEnvelope(vaulted);
    envelope.ciphertext[0] ^= 1;
    const inner = [envelope.salt, envelope.hmac, envelope.ciphertext].map((b) => b.toString('hex')).join('\n');
    const tampered = `${VAULT_HEADER};1.1;AES256\n${Buffer.from(inner).toString('hex')}\n`;
    expect(() => decryptVault(tampered, secrets('pw'))).toThrow(/did not match/);
  });

  it('recognises vault text', () => {
    expect(isVaulted(encryptVault('x', 'pw'))).toBe(true);
    expect(isVaulted('  $ANSIBLE_VAULT;1.1;AES256\n00')).toBe(true);
    expect(isVaulted('a: 1\n')).toBe(false);
  });

  it('formats encrypt_string output as an indented `!vault |` block that decrypts back', () => {
    const block = encryptString('s3cret', 'db_password', 'pw');
    const [first, ...rest] = block.trimEnd().split('\n');
    expect(first).toBe('db_password: !vault |');
    expect(rest.every((l) => l.startsWith('          '))).toBe(true);
    expect(rest[0].trim()).toBe(`${VAULT_HEADER};1.1;AES256`);
    const envelope = rest.map((l) => l.trim()).join('\n');
    expect(decryptVault(envelope, secrets('pw')).toString()).toBe('s3cret');
  });
});
