/** ansible-vault compatible encryption: the envelope, the passwords of a run, and the `!vault |` string form. */
export { VaultError } from './vault-error';
export { VAULT_HEADER, decryptVault, encryptVault, isVaulted, openVaultedFile, parseEnvelope } from './vault-format';
export {
  DEFAULT_VAULT_ID,
  VAULT_PASSWORD_ENV,
  VaultPasswords,
  parseVaultIdOption,
  promptPassword,
  readPasswordFile,
  resolveVaultPasswords,
} from './vault-passwords';
export type { VaultPassword, VaultPasswordOptions, VaultPasswordSource } from './vault-passwords';
export { encryptString } from './vault-string';
