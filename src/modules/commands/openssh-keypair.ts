import { dirname } from 'node:path';
import { argv, q } from '../support/shell';

/**
 * ssh-keygen as community.crypto's openssh_keypair runs it (its `opensshbin` backend): the same
 * commands, so the same keys, fingerprints and comments.
 */

/** `ssh-keygen -l`: size, fingerprint and type of the key at the path. */
export function listKeyCommand(path: string): string {
  return argv('ssh-keygen', '-l', '-f', path);
}

/** `ssh-keygen -y` with an empty passphrase: the public key the private key matches (also whether it can be read). */
export function matchingPublicKeyCommand(path: string): string {
  return argv('ssh-keygen', '-P', '', '-y', '-f', path);
}

export interface KeySpec {
  path: string;
  type: string;
  size: number;
  comment?: string;
}

/**
 * A new key pair, made in a private directory next to the key and moved over it. A file that
 * exists keeps its owner and mode (Ansible's atomic_move); a new one keeps ssh-keygen's 0600 / 0644.
 */
export function generateKeyPairCommand(key: KeySpec): string {
  const dir = dirname(key.path);
  const moves = ['', '.pub'].map((suffix) => {
    const dest = q(`${key.path}${suffix}`);
    const made = `"$tmp/key${suffix}"`;
    return `if [ -e ${dest} ]; then chmod --reference=${dest} ${made} && chown --reference=${dest} ${made}; fi && mv -f -- ${made} ${dest}`;
  });
  return [
    `tmp=$(mktemp -d ${q(`${dir}/.openssh_keypair.play-XXXXXX`)}) || exit 1`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `${argv('ssh-keygen', '-q', '-N', '', '-b', key.size, '-t', key.type, '-C', key.comment ?? '')} -f "$tmp/key" </dev/null || exit 1`,
    ...moves.map((move) => `${move} || exit 1`),
  ].join('\n');
}

/** The comment of the private key and of its .pub, which ssh-keygen rewrites; an unwritable key is made 0600 first, as the module does. */
export function updateCommentCommand(path: string, comment: string): string {
  return `if [ -e ${q(path)} ] && [ ! -w ${q(path)} ]; then chmod 0600 ${q(path)} || exit 1; fi\n${argv('ssh-keygen', '-q', '-o', '-c', '-C', comment, '-f', path)}`;
}

export function removeKeyPairCommand(path: string): string {
  return argv('rm', '-f', '--', path, `${path}.pub`);
}

export interface PrivateKeyInfo {
  size: number;
  type: string;
  fingerprint: string;
}

/** `4096 SHA256:... comment (RSA)` → size, fingerprint, type; anything else is a key that cannot be read. */
export function parseKeyList(stdout: string): PrivateKeyInfo | undefined {
  const fields = stdout.trim().split(/\s+/);
  if (fields.length < 2 || !/^[+-]?\d+$/.test(fields[0])) return undefined;
  return { size: Number(fields[0]), fingerprint: fields[1], type: fields[fields.length - 1].slice(1, -1).toLowerCase() };
}

export interface PublicKeyInfo {
  typeString: string;
  data: string;
  comment: string;
}

/** A public key line: type, data and the comment (everything after the second space). */
export function parsePublicKey(text: string, trim: 'file' | 'output'): PublicKeyInfo | undefined {
  // the module strips ' \n' from a .pub file but only '\n' from ssh-keygen's output
  const stripped = trim === 'file' ? text.replace(/^[ \n]+|[ \n]+$/g, '') : text.replace(/^\n+|\n+$/g, '');
  const [typeString, data, ...rest] = splitMax(stripped, ' ', 2);
  if (data === undefined) return undefined;
  return { typeString, data, comment: rest[0] ?? '' };
}

/** Python's str.split(sep, maxsplit). */
function splitMax(text: string, sep: string, maxsplit: number): string[] {
  const parts = text.split(sep);
  return parts.length <= maxsplit + 1 ? parts : [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}
