import { isMapping } from './values';

/**
 * What Jinja2 prints for a value in a template, Python's `str()`: lists and dicts in Python's
 * repr (`['a', 'b']`, `{'k': 1}`), booleans as True/False. A none prints nothing (Ansible's
 * finalize), but inside a list it is `None`.
 */
export function pythonText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (isMapping(value)) return `{${Object.entries(value).map(([k, v]) => `${quoted(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return String(value);
}

/** Python's repr of a str: single quotes unless the text has one and no double quote. */
function quoted(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\n\r\t]/g, (ch) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[ch] ?? ch);
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/**
 * Python's `json.dumps` as Ansible's `to_json` / `to_nice_json` call it: `', '` and `': '` between
 * items (`','` at line ends when indented), every non-ASCII character escaped (`ensure_ascii`), and
 * for to_nice_json the keys sorted, at every depth. A file written from it is then the same bytes
 * whichever tool wrote it.
 */
export function pythonJson(value: unknown, options: { indent?: number; sortKeys?: boolean } = {}): string {
  const { indent, sortKeys = false } = options;
  const encode = (item: unknown, depth: number): string => {
    if (item === null || item === undefined) return 'null';
    if (typeof item === 'string') return asciiJson(item);
    if (typeof item === 'boolean') return item ? 'true' : 'false';
    if (typeof item === 'number') return Number.isFinite(item) ? String(item) : item > 0 ? 'Infinity' : item < 0 ? '-Infinity' : 'NaN';
    if (!Array.isArray(item) && !isMapping(item)) return asciiJson(String(item));
    const pairs = Array.isArray(item) ? undefined : Object.entries(item);
    if (pairs && sortKeys) pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const parts = pairs ? pairs.map(([key, v]) => `${asciiJson(key)}: ${encode(v, depth + 1)}`) : (item as unknown[]).map((v) => encode(v, depth + 1));
    const [open, close] = pairs ? ['{', '}'] : ['[', ']'];
    if (parts.length === 0) return open + close;
    if (indent === undefined) return `${open}${parts.join(', ')}${close}`;
    const inner = `\n${' '.repeat(indent * (depth + 1))}`;
    return `${open}${inner}${parts.join(`,${inner}`)}\n${' '.repeat(indent * depth)}${close}`;
  };
  return encode(value, 0);
}

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
