/**
 * Values of the expression language and Python/Jinja semantics on them (truthiness, equality,
 * text form), shared by the evaluator, the filters and the tests.
 */

/** A variable or attribute that does not exist; only `is defined`-style tests and `default` may look at it. */
export class Undefined {
  constructor(readonly name: string) {}
}

/** Thrown when an undefined value is used; the evaluator turns it into an ExpressionError naming it. */
export class UndefinedUse extends Error {
  constructor(readonly variable: string) {
    super(`'${variable}' is undefined`);
  }
}

/** A value that expressions may call by name: a template's macro. */
export class Callable {
  constructor(readonly call: (input: { args: unknown[]; kwargs: Record<string, unknown> }) => unknown) {}
}

/** A type or value problem inside the evaluation (the evaluator adds the expression and the column). */
export class EvalError extends Error {}

export function defined<T>(value: T | Undefined): T {
  if (value instanceof Undefined) throw new UndefinedUse(value.name);
  return value;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Undefined);
}

/** Python truthiness: empty string/list/dict, 0, none and false are false. */
export function truthy(value: unknown): boolean {
  const v = defined(value);
  if (v === null || v === undefined) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return 'list';
  if (isMapping(value)) return 'dict';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** The text of a value as Jinja would print it for scalars; lists and dicts as JSON. */
export function toText(value: unknown): string {
  const v = defined(value);
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Own properties only: `x.constructor` or `x.__proto__` must never reach JavaScript internals. */
export function ownProperty(object: unknown, key: string | number): unknown {
  if (typeof object === 'string' && typeof key === 'number') return object.at(key) ?? undefined;
  if (Array.isArray(object)) {
    const index = typeof key === 'number' ? key : /^-?\d+$/.test(key) ? Number(key) : NaN;
    return Number.isInteger(index) ? object.at(index) : undefined;
  }
  if (isMapping(object) && Object.prototype.hasOwnProperty.call(object, key)) return object[key];
  return undefined;
}

export function hasOwn(object: unknown, key: string | number): boolean {
  if (Array.isArray(object) || typeof object === 'string') {
    const index = Number(key);
    return Number.isInteger(index) && index >= -object.length && index < object.length;
  }
  return isMapping(object) && Object.prototype.hasOwnProperty.call(object, key);
}
