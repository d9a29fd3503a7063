import { EvalError, Undefined, deepEqual, defined, hasOwn, isMapping, truthy } from './values';

/**
 * Jinja/Ansible tests, used as `x is <test>` and by select/reject/selectattr. Each receives the
 * (possibly undefined) value and its arguments.
 */
type TestFn = (value: unknown, args: unknown[]) => boolean;

function registered(test: string, value: unknown): Record<string, unknown> {
  const v = defined(value);
  if (!isMapping(v)) throw new EvalError(`the '${test}' test expects a registered result (a dict)`);
  return v;
}

/** Ansible's `changed` test: a loop result changed when any of its items did. */
function changed(value: unknown): boolean {
  const result = registered('changed', value);
  if ('changed' in result) return truthy(result.changed);
  return Array.isArray(result.results) && result.results.some((r) => isMapping(r) && truthy(r.changed));
}

const failed = (value: unknown): boolean => truthy(registered('failed', value).failed ?? false);
const skipped = (value: unknown): boolean => truthy(registered('skipped', value).skipped ?? false);
const unreachable = (value: unknown): boolean => truthy(registered('unreachable', value).unreachable ?? false);

function compareNumbers(a: unknown, b: unknown, test: string): [number | string, number | string] {
  const x = defined(a);
  const y = defined(b);
  if ((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string')) return [x, y];
  throw new EvalError(`the '${test}' test cannot compare ${typeof x} and ${typeof y}`);
}

function regexTest(mode: 'match' | 'search', value: unknown, pattern: unknown): boolean {
  const re = new RegExp(String(defined(pattern)));
  const m = re.exec(String(defined(value)));
  return m !== null && (mode === 'search' || m.index === 0);
}

const VERSION_OPERATORS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

/** Compares dotted versions part by part: numerically when both parts are numbers (1.10 > 1.9), else as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+~_:]/);
  const pb = b.split(/[.\-+~_:]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const c = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

function versionTest(value: unknown, [other, operator = 'eq']: unknown[]): boolean {
  const compare = VERSION_OPERATORS[String(operator)];
  if (!compare) throw new EvalError(`the 'version' test: unknown operator '${String(operator)}'`);
  return compare(compareVersions(String(defined(value)), String(defined(other))));
}

export const TESTS: Record<string, TestFn> = {
  version: versionTest,
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => defined(v) === null || v === undefined,
  boolean: (v) => typeof defined(v) === 'boolean',
  string: (v) => typeof defined(v) === 'string',
  number: (v) => typeof defined(v) === 'number',
  integer: (v) => Number.isInteger(defined(v)),
  float: (v) => typeof defined(v) === 'number' && !Number.isInteger(v),
  mapping: (v) => isMapping(defined(v)),
  sequence: (v) => Array.isArray(defined(v)) || typeof v === 'string',
  iterable: (v) => Array.isArray(defined(v)) || typeof v === 'string' || isMapping(v),
  true: (v) => defined(v) === true,
  false: (v) => defined(v) === false,
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  even: (v) => Number(defined(v)) % 2 === 0,
  odd: (v) => Math.abs(Number(defined(v)) % 2) === 1,
  divisibleby: (v, [n]) => Number(defined(v)) % Number(defined(n)) === 0,
  eq: (v, [x]) => deepEqual(defined(v), defined(x)),
  ne: (v, [x]) => !deepEqual(defined(v), defined(x)),
  lt: (v, [x]) => {
    const [a, b] = compareNumbers(v, x, 'lt');
    return a < b;
  },
  le: (v, [x]) => {
    const [a, b] = compareNumbers(v, x, 'le');
    return a <= b;
  },
  gt: (v, [x]) => {
    const [a, b] = compareNumbers(v, x, 'gt');
    return a > b;
  },
  ge: (v, [x]) => {
    const [a, b] = compareNumbers(v, x, 'ge');
    return a >= b;
  },
  in: (v, [container]) => contains(defined(container), defined(v)),
  contains: (v, [item]) => contains(defined(v), defined(item)),
  match: (v, [p]) => regexTest('match', v, p),
  search: (v, [p]) => regexTest('search', v, p),
  regex: (v, [p]) => regexTest('search', v, p),
  succeeded: (v) => !failed(v),
  failed,
  changed,
  skipped,
  unreachable,
};
for (const [alias, name] of [
  ['equalto', 'eq'],
  ['sameas', 'eq'],
  ['==', 'eq'],
  ['!=', 'ne'],
  ['<', 'lt'],
  ['<=', 'le'],
  ['>', 'gt'],
  ['>=', 'ge'],
  ['lessthan', 'lt'],
  ['greaterthan', 'gt'],
  ['version_compare', 'version'],
  ['success', 'succeeded'],
  ['successful', 'succeeded'],
  ['failure', 'failed'],
  ['change', 'changed'],
  ['skip', 'skipped'],
] as const) {
  TESTS[alias] = TESTS[name];
}

/** Python's `in`: substring of a string, member of a list (by value), key of a dict. */
export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new EvalError(`'in <string>' requires a string on the left, not ${typeof item}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (isMapping(container)) return (typeof item === 'string' || typeof item === 'number') && hasOwn(container, String(item));
  throw new EvalError(`'in' needs a string, a list or a dict on the right, not ${container === null ? 'none' : typeof container}`);
}
