import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { VaultError } from './vault-error';
import type { VaultPasswords } from './vault-passwords';

/**
 * The ansible-vault envelope, formats 1.1 and 1.2 (1.2 only adds the vault id to the header):
 *   $ANSIBLE_VAULT;1.1;AES256[;id]
 *   hex( hex(salt) "\n" hex(hmac) "\n" hex(ciphertext) ), in lines of 80 columns.
 * Keys: PBKDF2-HMAC-SHA256(password, salt, 10000 iterations) -> 80 bytes = AES key | HMAC key | CTR IV.
 * The plaintext is PKCS#7-padded before AES-256-CTR (Ansible does it; we must too to interoperate).
 */

export const VAULT_HEADER = '$ANSIBLE_VAULT';
const CIPHER = 'AES256';
const SALT_BYTES = 32;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const ITERATIONS = 10000;
const LINE_WIDTH = 80;
const BLOCK = 16;

export interface VaultEnvelope {
  version: string;
  cipher: string;
  vaultId?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** Whether a text is a vault envelope (whole-file vault or the body of a `!vault` scalar). */
export function isVaulted(text: string | Buffer): boolean {
  const head = typeof text === 'string' ? text.slice(0, 256) : text.toString('utf8', 0, 256);
  return head.trimStart().startsWith(`${VAULT_HEADER};`);
}

/** Encrypts to format 1.1, or 1.2 when a vault id other than "default" is given. */
export function encryptVault(plaintext: string | Buffer, password: string | Buffer, vaultId?: string): string {
  const salt = randomBytes(SALT_BYTES);
  const { cipherKey, hmacKey, iv } = deriveKeys(Buffer.from(password), salt);
  const cipher = createCipheriv('aes-256-ctr', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(pkcs7Pad(Buffer.from(plaintext))), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  const inner = [salt, hmac, ciphertext].map((b) => b.toString('hex')).join('\n');
  const body = Buffer.from(inner, 'ascii').toString('hex');
  const header = vaultId && vaultId !== 'default' ? [VAULT_HEADER, '1.2', CIPHER, vaultId] : [VAULT_HEADER, '1.1', CIPHER];
  const lines = [header.join(';')];
  for (let i = 0; i < body.length; i += LINE_WIDTH) lines.push(body.slice(i, i + LINE_WIDTH));
  return `${lines.join('\n')}\n`;
}

export function parseEnvelope(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(';').map((part) => part.trim());
  if (header[0] !== VAULT_HEADER || header.length < 3) throw new VaultError('not a vault envelope (bad header)');
  const [, version, cipher, vaultId] = header;
  if (version !== '1.1' && version !== '1.2') throw new VaultError(`unsupported vault format version ${version}`);
  if (cipher !== CIPHER) throw new VaultError(`unsupported vault cipher ${cipher}`);
  const inner = unhex(lines.slice(1).map((l) => l.trim()).join('')).toString('ascii');
  const parts = inner.split('\n');
  if (parts.length !== 3) throw new VaultError('damaged vault envelope (expected salt, hmac and ciphertext)');
  const [salt, hmac, ciphertext] = parts.map(unhex);
  return { version, cipher, vaultId: vaultId || undefined, salt, hmac, ciphertext };
}

/**
 * Decrypts with the first password whose HMAC matches; a password registered under the
 * envelope's vault id is tried first, then every other one (as Ansible does).
 */
export function decryptVault(text: string | Buffer, secrets: VaultPasswords | undefined): Buffer {
  const envelope = parseEnvelope(text.toString());
  const candidates = secrets?.candidatesFor(envelope.vaultId) ?? [];
  if (candidates.length === 0) throw new VaultError('the content is vault-encrypted but no vault password was given');
  for (const password of candidates) {
    const plaintext = tryDecrypt(envelope, password);
    if (plaintext) return plaintext;
  }
  const tried = candidates.length === 1 ? 'the vault password' : `all ${candidates.length} vault passwords`;
  throw new VaultError(`decryption failed: ${tried} did not match (wrong password?)`);
}

function tryDecrypt(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const { cipherKey, hmacKey, iv } = deriveKeys(password, envelope.salt);
  const expected = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  if (expected.length !== envelope.hmac.length || !timingSafeEqual(expected, envelope.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', cipherKey, iv);
  return pkcs7Unpad(Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]));
}

function deriveKeys(password: Buffer, salt: Buffer): { cipherKey: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_BYTES + IV_BYTES, 'sha256');
  return {
    cipherKey: derived.subarray(0, KEY_BYTES),
    hmacKey: derived.subarray(KEY_BYTES, 2 * KEY_BYTES),
    iv: derived.subarray(2 * KEY_BYTES),
  };
}

function pkcs7Pad(data: Buffer): Buffer {
  const pad = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

function pkcs7Unpad(data: Buffer): Buffer {
  const pad = data.length ? data[data.length - 1] : 0;
  if (pad < 1 || pad > BLOCK || pad > data.length || !data.subarray(data.length - pad).every((b) => b === pad)) {
    throw new VaultError('damaged vault content (bad padding)');
  }
  return data.subarray(0, data.length - pad);
}

function unhex(text: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VaultError('damaged vault envelope (not hexadecimal)');
  return Buffer.from(text, 'hex');
}

/**
 * A controller file as a task or a lookup uses it: a vault-encrypted one decrypted with the
 * run's passwords, and its text handed to `onSecret` (to be redacted from output, its diffs
 * hidden), as Ansible's copy and file lookup do. Binary plaintext has no text to find in output.
 */
export function openVaultedFile(raw: Buffer, passwords: VaultPasswords | undefined, onSecret: (text: string) => void): { content: Buffer; secret: boolean } {
  if (!isVaulted(raw)) return { content: raw, secret: false };
  const content = decryptVault(raw, passwords);
  if (!content.includes(0)) onSecret(content.toString('utf8'));
  return { content, secret: true };
}
