/** ansible-vault compatible encryption: the envelope, the passwords of a run, and the `!vault |` string form. */
export { VaultError } from './vault-error';
export { VAULT_HEADER, decryptVault, encryptVault, isVaulted, parseEnvelope } from './vault-format';
export {
  DEFAULT_VAULT_ID,
  VAULT_PASSWORD_ENV,
  VaultSecrets,
  parseVaultIdOption,
  promptPassword,
  readPasswordFile,
  resolveVaultSecrets,
} from './vault-secrets';
export type { VaultSecret, VaultSecretOptions } from './vault-secrets';
export { encryptString } from './vault-string';
