import { EvalError, deepEqual, isMapping, ownProperty, typeName } from './values';

/**
 * The few Python methods playbooks call on values (`result.stdout.startswith('ok')`,
 * `x.get('k', 1)`, `d.items()`); a fixed allow-list, never JavaScript's own methods.
 */
type Method = (self: never, args: unknown[]) => unknown;

function strip(s: string, chars: unknown, side: 'both' | 'left' | 'right'): string {
  const set = chars === undefined || chars === null ? null : new Set(String(chars));
  const keep = (ch: string): boolean => (set ? !set.has(ch) : !/\s/.test(ch));
  let start = 0;
  let end = s.length;
  if (side !== 'right') while (start < end && !keep(s[start])) start += 1;
  if (side !== 'left') while (end > start && !keep(s[end - 1])) end -= 1;
  return s.slice(start, end);
}

function prefixes(arg: unknown): string[] {
  return Array.isArray(arg) ? arg.map(String) : [String(arg)];
}

const STRING_METHODS: Record<string, (s: string, args: unknown[]) => unknown> = {
  startswith: (s, [p]) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s, [p]) => prefixes(p).some((x) => s.endsWith(x)),
  split: (s, [sep, max]) => {
    const parts = sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
    if (max === undefined || Number(max) < 0 || parts.length <= Number(max) + 1) return parts;
    return [...parts.slice(0, Number(max)), parts.slice(Number(max)).join(sep === undefined || sep === null ? ' ' : String(sep))];
  },
  splitlines: (s) => s.split(/\r?\n/).filter((line, i, all) => i < all.length - 1 || line !== ''),
  strip: (s, [chars]) => strip(s, chars, 'both'),
  lstrip: (s, [chars]) => strip(s, chars, 'left'),
  rstrip: (s, [chars]) => strip(s, chars, 'right'),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  replace: (s, [from, to]) => s.split(String(from)).join(String(to)),
  find: (s, [sub]) => s.indexOf(String(sub)),
  count: (s, [sub]) => s.split(String(sub)).length - 1,
};

const DICT_METHODS: Record<string, (d: Record<string, unknown>, args: unknown[]) => unknown> = {
  get: (d, [key, fallback = null]) => (Object.prototype.hasOwnProperty.call(d, String(key)) ? ownProperty(d, String(key)) : fallback),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d),
};

const LIST_METHODS: Record<string, (l: unknown[], args: unknown[]) => unknown> = {
  index: (l, [x]) => {
    const i = l.findIndex((y) => deepEqual(x, y));
    if (i < 0) throw new EvalError('list.index(x): x not in list');
    return i;
  },
  count: (l, [x]) => l.filter((y) => deepEqual(x, y)).length,
};

export function callMethod(self: unknown, method: string, args: unknown[]): unknown {
  const table: Record<string, Method> | undefined =
    typeof self === 'string' ? STRING_METHODS : Array.isArray(self) ? LIST_METHODS : isMapping(self) ? DICT_METHODS : undefined;
  const fn = table && Object.prototype.hasOwnProperty.call(table, method) ? table[method] : undefined;
  if (!fn) throw new EvalError(`${typeName(self)} has no method '${method}'`);
  return fn(self as never, args);
}
