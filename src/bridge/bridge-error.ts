/** A bad outputs file, template or option: one message that names the file and the field. */
export class InventoryBridgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryBridgeError';
  }
}
