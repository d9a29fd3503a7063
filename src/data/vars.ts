/** Variables as YAML and `-e` give them, and as the engine passes them around: names to values of any shape. */
export type Vars = Record<string, unknown>;

/** A YAML mapping (not a list, not null). */
export function isDict(value: unknown): value is Vars {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
