/**
 * Ansible's host ranges: `app-[1:3]` is app-1, app-2, app-3; `db[01:10:2]` keeps the leading
 * zeros; `[a:c]` ranges over letters. Several ranges in one name multiply.
 */
const RANGE = /\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\]/;

export function expandHostRange(pattern: string): string[] {
  const m = RANGE.exec(pattern);
  if (!m) return [pattern];
  const [whole, from, to, step = '1'] = m;
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + whole.length);
  return rangeValues(from, to, Number(step), pattern).flatMap((v) => expandHostRange(`${head}${v}${tail}`));
}

function rangeValues(from: string, to: string, step: number, pattern: string): string[] {
  if (step < 1) throw new Error(`bad host range step in ${pattern}`);
  const numeric = /^\d+$/.test(from);
  if (numeric !== /^\d+$/.test(to)) throw new Error(`host range mixes letters and numbers in ${pattern}`);
  const start = numeric ? Number(from) : from.charCodeAt(0);
  const end = numeric ? Number(to) : to.charCodeAt(0);
  if (end < start) throw new Error(`host range ends before it starts in ${pattern}`);
  const width = numeric && from.startsWith('0') ? from.length : 0;
  const values: string[] = [];
  for (let i = start; i <= end; i += step) values.push(numeric ? String(i).padStart(width, '0') : String.fromCharCode(i));
  return values;
}
