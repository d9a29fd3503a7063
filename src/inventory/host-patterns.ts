/**
 * Ansible host patterns: `a:b` or `a,b` (union), `a:&b` (intersection), `a:!b` (exclusion),
 * `all` / `*`, globs (`app-*`, `app-[12]`), `~regex`, and subscripts (`app[0]`, `app[-1]`,
 * `app[0:1]`, inclusive as in Ansible). As in Ansible, unions are applied first, then
 * intersections, then exclusions, whatever their order in the pattern; the result keeps
 * inventory order.
 */

export interface PatternSource {
  /** All hosts, in inventory order. */
  hosts(): string[];
  groups(): string[];
  /** Every host of a group, its child groups included, in inventory order. */
  hostsOf(group: string): string[];
}

export interface PatternMatch {
  hosts: string[];
  /** Terms that matched no host and no group (the runner warns about them, like Ansible). */
  unmatched: string[];
}

const SUBSCRIPT = /^(.+)\[(-?\d+)(?:[:-](-?\d+))?\]$/;

export function splitPattern(pattern: string): string[] {
  return pattern
    .split(',')
    .flatMap((part) => (part.trim().startsWith('~') ? [part] : splitOnColons(part)))
    .map((term) => term.trim())
    .filter(Boolean);
}

/** Splits on `:` but not inside `[...]` (so `app[0:2]` stays one term). */
function splitOnColons(part: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of part) {
    if (ch === '[') depth += 1;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ':' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  return [...terms, current];
}

export function matchPattern(pattern: string, source: PatternSource): PatternMatch {
  const terms = splitPattern(pattern);
  const unmatched: string[] = [];
  const resolve = (term: string): Set<string> => {
    const hosts = matchTerm(term, source);
    if (hosts === undefined) {
      unmatched.push(term);
      return new Set();
    }
    return new Set(hosts);
  };
  const unions = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&')).map((t) => t.slice(1));
  const exclusions = terms.filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  // a pattern made only of & or ! terms starts from every host, as Ansible does
  let selected = unions.length ? new Set(unions.flatMap((t) => [...resolve(t)])) : new Set(source.hosts());
  for (const term of intersections) {
    const other = resolve(term);
    selected = new Set([...selected].filter((h) => other.has(h)));
  }
  for (const term of exclusions) {
    const other = resolve(term);
    selected = new Set([...selected].filter((h) => !other.has(h)));
  }
  return { hosts: source.hosts().filter((h) => selected.has(h)), unmatched };
}

/** The hosts of one term, or undefined when it names nothing. */
function matchTerm(term: string, source: PatternSource): string[] | undefined {
  if (term === 'all' || term === '*') return source.hosts();
  const groups = source.groups();
  if (groups.includes(term)) return source.hostsOf(term);
  if (source.hosts().includes(term)) return [term];
  const subscript = SUBSCRIPT.exec(term);
  if (subscript && groups.includes(subscript[1])) return pick(source.hostsOf(subscript[1]), Number(subscript[2]), subscript[3]);
  const matcher = term.startsWith('~') ? regexMatcher(term.slice(1)) : /[*?[]/.test(term) ? globMatcher(term) : undefined;
  if (!matcher) return undefined;
  const hits = new Set([...source.hosts().filter(matcher), ...groups.filter(matcher).flatMap((g) => source.hostsOf(g))]);
  return hits.size ? [...hits] : undefined;
}

function pick(hosts: string[], start: number, end: string | undefined): string[] | undefined {
  const from = start < 0 ? hosts.length + start : start;
  if (end === undefined) return hosts[from] === undefined ? undefined : [hosts[from]];
  const to = Number(end) < 0 ? hosts.length + Number(end) : Number(end);
  const slice = hosts.slice(from, to + 1);
  return slice.length ? slice : undefined;
}

function regexMatcher(source: string): (name: string) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw new Error(`invalid regular expression in host pattern "~${source}": ${(err as Error).message}`);
  }
  return (name) => re.test(name);
}

/** fnmatch, as Ansible uses for host globs: `*`, `?`, `[abc]`, `[!abc]`. */
export function globMatcher(glob: string): (name: string) => boolean {
  let re = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      re += `[${body.startsWith('!') ? `^${escapeClass(body.slice(1))}` : escapeClass(body)}]`;
      i = end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`);
  return (name) => compiled.test(name);
}

function escapeClass(body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&');
}
