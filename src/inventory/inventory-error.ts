/** A malformed inventory or vars file: one message naming the file and the key. */
export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}${key ? ` (at ${key})` : ''}: ${detail}`);
    this.name = 'InventoryError';
  }
}
