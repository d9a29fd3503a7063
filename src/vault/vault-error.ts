/** A vault problem (wrong password, damaged envelope, no password given). Callers add the file name. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}
