import { encryptVault } from './vault-format';

/** Indentation ansible-vault uses for the body of an encrypted string. */
const BLOCK_INDENT = 10;

/**
 * The `!vault |` form of an encrypted value, as `ansible-vault encrypt_string` prints it:
 *   name: !vault |
 *             $ANSIBLE_VAULT;1.1;AES256
 *             6231...
 */
export function encryptString(value: string, name: string | undefined, password: string | Buffer, vaultId?: string): string {
  const body = encryptVault(value, password, vaultId)
    .trimEnd()
    .split('\n')
    .map((line) => `${' '.repeat(BLOCK_INDENT)}${line}`)
    .join('\n');
  return `${name ? `${name}: ` : ''}!vault |\n${body}\n`;
}
