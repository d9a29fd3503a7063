import { argv } from '../support/shell';

export interface GetentQuery {
  database: string;
  key?: string;
  service?: string;
}

/** getent as Ansible's getent module calls it: the key, then `-s service`. */
export function getentCommand(query: GetentQuery): string {
  return argv('getent', query.database, ...(query.key !== undefined ? [query.key] : []), ...(query.service !== undefined ? ['-s', query.service] : []));
}

/** The databases whose entries Ansible splits on `:` when no `split` is given. */
const COLON_DATABASES = new Set(['passwd', 'shadow', 'group', 'gshadow']);

export function defaultSplit(database: string, split: string | undefined): string | undefined {
  return split ?? (COLON_DATABASES.has(database) ? ':' : undefined);
}

/**
 * getent's output as Ansible's fact holds it: each entry's first field is the key of the rest;
 * a key seen again turns its value into a list of every entry's rest. Without a separator the
 * fields are split on runs of whitespace, as Python's `str.split()`.
 */
export function parseGetent(stdout: string, split: string | undefined): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of splitLines(stdout)) {
    const record = split === undefined ? line.split(/\s+/).filter((field) => field !== '') : line.split(split);
    // Python's `record[0]` of an empty whitespace split raises: a blank line is not an entry Ansible can read either
    if (record.length === 0) continue;
    const [key, ...rest] = record;
    const count = seen.get(key) ?? 0;
    if (count === 0) entries[key] = rest;
    else if (count === 1) entries[key] = [entries[key], rest];
    else (entries[key] as unknown[]).push(rest);
    seen.set(key, count + 1);
  }
  return entries;
}

/** Python's str.splitlines for the line ends getent can print. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
