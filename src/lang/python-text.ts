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
