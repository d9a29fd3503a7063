import { posix } from 'node:path';
import { stringify as toYaml, parse as parseYamlText } from 'yaml';
import { shlexQuote } from '../base/shell-quote';
import { pythonJson } from './python-text';
import { TESTS } from './tests';
import { EvalError, Undefined, deepEqual, defined, isMapping, ownProperty, toText, truthy, typeName } from './values';

/**
 * Jinja/Ansible filters (`value | name(args)`). Only `default`/`d` and `mandatory` may receive
 * an undefined value; every other filter gets a defined input.
 */
export type FilterFn = (input: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;

export const FILTERS_ACCEPTING_UNDEFINED = new Set(['default', 'd', 'mandatory']);

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function list(input: unknown, filter: string): unknown[] {
  if (Array.isArray(input)) return input;
  if (typeof input === 'string') return [...input];
  if (isMapping(input)) return Object.keys(input);
  throw new EvalError(`the '${filter}' filter expects a list, not ${typeName(input)}`);
}

function text(input: unknown, filter: string): string {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' || typeof input === 'boolean') return toText(input);
  throw new EvalError(`the '${filter}' filter expects a string, not ${typeName(input)}`);
}

function toNumber(input: unknown, fallback: number, round: (n: number) => number): number {
  if (typeof input === 'number') return round(input);
  if (typeof input === 'boolean') return input ? 1 : 0;
  if (typeof input === 'string' && NUMERIC.test(input)) return round(Number(input));
  return fallback;
}

const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};

/** Ansible's `comment` filter, byte for byte (its `{{ ansible_managed | comment }}` heads most config files). */
function comment(input: string, style: string, kwargs: Record<string, unknown>): string {
  if (!Object.prototype.hasOwnProperty.call(COMMENT_STYLES, style)) throw new EvalError(`the 'comment' filter has no style '${style}' (known: ${Object.keys(COMMENT_STYLES).join(', ')})`);
  const around = String(kwargs.decoration ?? COMMENT_STYLES[style].decoration).trimEnd();
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: around, prefix_count: 1, decoration: '', postfix: around, postfix_count: 1, end: '', ...COMMENT_STYLES[style], ...kwargs };
  const [newline, beginning, prefix, decoration, postfix, end] = ['newline', 'beginning', 'prefix', 'decoration', 'postfix', 'end'].map((k) => String(p[k]));
  const head = beginning ? beginning + newline : '';
  const prefixes = prefix ? (prefix !== newline ? prefix + newline : newline).repeat(Number(p.prefix_count)) : '';
  const body = (decoration + input.split(newline).join(newline + decoration)).split(decoration + newline).join(decoration.trimEnd() + newline);
  const postfixes = ['', ...Array.from({ length: Number(p.postfix_count) }, () => postfix)].join(newline);
  return head + prefixes + body + postfixes + (end ? newline + end : '');
}

/** Ansible's `bool`: yes/on/1/true (any case) are true, everything else false. */
function toBool(input: unknown): boolean {
  if (typeof input === 'boolean') return input;
  if (typeof input === 'number') return input === 1;
  if (typeof input === 'string') return ['yes', 'on', '1', 'true', 'y'].includes(input.trim().toLowerCase());
  return false;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new EvalError(`cannot compare ${typeName(a)} and ${typeName(b)}`);
}

function attribute(item: unknown, path: unknown): unknown {
  return String(path)
    .split('.')
    .reduce<unknown>((value, key) => ownProperty(value, key), item);
}

function applyTest(name: unknown, value: unknown, args: unknown[]): boolean {
  if (name === undefined) return truthy(value);
  const test = TESTS[String(name)];
  if (!test) throw new EvalError(`unknown test '${String(name)}'`);
  return test(value === undefined ? new Undefined(String(name)) : value, args);
}

function regex(pattern: unknown, flags = ''): RegExp {
  try {
    return new RegExp(String(pattern), flags);
  } catch (err) {
    throw new EvalError(`bad regular expression: ${(err as Error).message}`);
  }
}

function combine(a: unknown, b: unknown, recursive: boolean): Record<string, unknown> {
  if (!isMapping(a) || !isMapping(b)) throw new EvalError(`the 'combine' filter expects dicts, not ${typeName(a)} and ${typeName(b)}`);
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = recursive && isMapping(out[k]) && isMapping(v) ? combine(out[k], v, true) : v;
  return out;
}

/**
 * The parsers' own messages quote the input, and the input may be a secret (cut, so redaction
 * would not recognise it): say only where the input is wrong.
 */
function notParsed(filter: string, format: string, err: unknown): EvalError {
  if (err instanceof EvalError) return err;
  const linePos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
  const position = /at position (\d+)/.exec((err as Error).message)?.[1];
  const where = linePos ? ` (input line ${linePos.line}, column ${linePos.col})` : position ? ` (input character ${Number(position) + 1})` : '';
  return new EvalError(`${filter}: the input is not valid ${format}${where}`);
}

export const FILTERS: Record<string, FilterFn> = {
  default: (input, [fallback = '', onFalsy = false]) => (input instanceof Undefined || (onFalsy && !truthy(input)) ? fallback : input),
  mandatory: (input, [message]) => {
    if (input instanceof Undefined) throw new EvalError(message ? String(message) : `mandatory variable '${input.name}' is not defined`);
    return input;
  },
  length: (input) => list(input, 'length').length,
  int: (input, [fallback = 0]) => toNumber(input, Number(fallback), Math.trunc),
  float: (input, [fallback = 0]) => toNumber(input, Number(fallback), (n) => n),
  bool: (input) => toBool(input),
  string: (input) => toText(input),
  lower: (input) => text(input, 'lower').toLowerCase(),
  upper: (input) => text(input, 'upper').toUpperCase(),
  capitalize: (input) => {
    const s = text(input, 'capitalize');
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (input) => text(input, 'trim').trim(),
  join: (input, [separator = '']) => list(input, 'join').map(toText).join(String(separator)),
  first: (input) => list(input, 'first')[0],
  last: (input) => list(input, 'last').at(-1),
  list: (input) => [...list(input, 'list')],
  reverse: (input) => (typeof input === 'string' ? [...input].reverse().join('') : [...list(input, 'reverse')].reverse()),
  sort: (input, [reverse = false], kw) => {
    const by = kw.attribute;
    const sorted = [...list(input, 'sort')].sort((a, b) => (by === undefined ? compareValues(a, b) : compareValues(attribute(a, by), attribute(b, by))));
    return truthy(kw.reverse ?? reverse) ? sorted.reverse() : sorted;
  },
  unique: (input) => list(input, 'unique').filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i),
  min: (input) => [...list(input, 'min')].sort(compareValues)[0],
  max: (input) => [...list(input, 'max')].sort(compareValues).at(-1),
  sum: (input, [start = 0]) => list(input, 'sum').reduce<number>((total, x) => total + Number(defined(x)), Number(start)),
  abs: (input) => Math.abs(Number(input)),
  round: (input, [precision = 0]) => {
    const factor = 10 ** Number(precision);
    return Math.round(Number(input) * factor) / factor;
  },
  replace: (input, [from, to = '']) => text(input, 'replace').split(String(from)).join(String(to)),
  regex_replace: (input, [pattern, replacement = '']) => text(input, 'regex_replace').replace(regex(pattern, 'g'), String(replacement).replace(/\\(\d)/g, '$$$1')),
  regex_search: (input, [pattern]) => regex(pattern).exec(text(input, 'regex_search'))?.[0] ?? null,
  split: (input, [separator]) => (separator === undefined ? text(input, 'split').trim().split(/\s+/) : text(input, 'split').split(String(separator))),
  indent: (input, [width = 4, first = false, blank = false]) => {
    const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
    return text(input, 'indent')
      .split('\n')
      .map((line, i) => ((i > 0 || truthy(first)) && (line !== '' || truthy(blank)) ? pad + line : line))
      .join('\n');
  },
  quote: (input) => shlexQuote(toText(input)),
  comment: (input, [style = 'plain'], kwargs) => comment(toText(input), String(style), kwargs),
  ternary: (input, [whenTrue, whenFalse]) => (truthy(input) ? whenTrue : whenFalse),
  to_json: (input, _args, kwargs) => pythonJson(input, { sortKeys: truthy(kwargs.sort_keys ?? false) }),
  to_nice_json: (input, [indent = 4], kwargs) => pythonJson(input, { indent: Number(kwargs.indent ?? indent), sortKeys: truthy(kwargs.sort_keys ?? true) }),
  from_json: (input) => {
    try {
      return JSON.parse(text(input, 'from_json'));
    } catch (err) {
      throw notParsed('from_json', 'JSON', err);
    }
  },
  // never folded: a long value split over lines is no longer the text redaction looks for
  to_yaml: (input) => toYaml(input, { lineWidth: 0 }),
  to_nice_yaml: (input) => toYaml(input, { indent: 2, lineWidth: 0 }),
  from_yaml: (input) => {
    try {
      // warnings go straight to stderr, quoting the input: only errors, and those reworded
      return parseYamlText(text(input, 'from_yaml'), { logLevel: 'error' });
    } catch (err) {
      throw notParsed('from_yaml', 'YAML', err);
    }
  },
  b64encode: (input) => Buffer.from(text(input, 'b64encode'), 'utf8').toString('base64'),
  b64decode: (input) => Buffer.from(text(input, 'b64decode'), 'base64').toString('utf8'),
  basename: (input) => posix.basename(text(input, 'basename')),
  dirname: (input) => posix.dirname(text(input, 'dirname')),
  dict2items: (input) => {
    if (!isMapping(input)) throw new EvalError(`the 'dict2items' filter expects a dict, not ${typeName(input)}`);
    return Object.entries(input).map(([key, value]) => ({ key, value }));
  },
  items2dict: (input) => Object.fromEntries(list(input, 'items2dict').map((item) => [String(ownProperty(item, 'key')), ownProperty(item, 'value')])),
  combine: (input, others, kw) => others.reduce<Record<string, unknown>>((acc, o) => combine(acc, o, truthy(kw.recursive ?? false)), combine(input, {}, false)),
  map: (input, [name, ...args], kw) => {
    if (kw.attribute !== undefined) return list(input, 'map').map((item) => attribute(item, kw.attribute) ?? kw.default);
    const filter = FILTERS[String(name)];
    if (!filter) throw new EvalError(`unknown filter '${String(name)}' in map`);
    return list(input, 'map').map((item) => filter(item, args, {}));
  },
  select: (input, [test, ...args]) => list(input, 'select').filter((item) => applyTest(test, item, args)),
  reject: (input, [test, ...args]) => list(input, 'reject').filter((item) => !applyTest(test, item, args)),
  selectattr: (input, [attr, test, ...args]) => list(input, 'selectattr').filter((item) => applyTest(test, attribute(item, attr), args)),
  rejectattr: (input, [attr, test, ...args]) => list(input, 'rejectattr').filter((item) => !applyTest(test, attribute(item, attr), args)),
};
FILTERS.d = FILTERS.default;
FILTERS.count = FILTERS.length;
