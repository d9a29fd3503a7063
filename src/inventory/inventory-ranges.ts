/**
 * Ansible's host ranges: `app-[1:3]` is app-1, app-2, app-3; `db[01:10:2]` keeps the leading
 * zeros; `[a:c]` ranges over letters. Several ranges in one name multiply.
 */
const RANGE = /\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\]/;

/**
 * The most hosts one inventory file may list, ranges expanded (and so the most one range may
 * expand to). Far above any real inventory, far below what exhausts memory: `app-[1:100000000]`
 * took gigabytes, then the process.
 */
export const MAX_INVENTORY_HOSTS = 100_000;

export function expandHostRange(pattern: string, limit = MAX_INVENTORY_HOSTS): string[] {
  const names: string[] = [];
  const tooMany = () => new Error(`host range ${pattern} expands to more than ${limit} hosts, the most an inventory file may list`);
  const expand = (name: string): void => {
    const m = RANGE.exec(name);
    if (!m) {
      if (names.length === limit) throw tooMany();
      names.push(name);
      return;
    }
    const [whole, from, to, step = '1'] = m;
    const range = parseRange(from, to, Number(step), pattern);
    // every value yields at least one name, so a range longer than what is left can never fit:
    // refuse it before making any of its values (nested ranges multiply)
    if (range.count > limit - names.length) throw tooMany();
    const head = name.slice(0, m.index);
    const tail = name.slice(m.index + whole.length);
    for (let i = 0; i < range.count; i++) expand(`${head}${range.value(i)}${tail}`);
  };
  expand(pattern);
  return names;
}

function parseRange(from: string, to: string, step: number, pattern: string): { count: number; value(index: number): string } {
  if (step < 1) throw new Error(`bad host range step in ${pattern}`);
  const numeric = /^\d+$/.test(from);
  if (numeric !== /^\d+$/.test(to)) throw new Error(`host range mixes letters and numbers in ${pattern}`);
  const start = numeric ? Number(from) : from.charCodeAt(0);
  const end = numeric ? Number(to) : to.charCodeAt(0);
  if (end < start) throw new Error(`host range ends before it starts in ${pattern}`);
  const width = numeric && from.startsWith('0') ? from.length : 0;
  return {
    count: Math.floor((end - start) / step) + 1,
    value: (index) => {
      const i = start + index * step;
      return numeric ? String(i).padStart(width, '0') : String.fromCharCode(i);
    },
  };
}
