import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { lookup } from '../../lang/lookups';
import { isDict, type Vars } from '../../data/vars';

/**
 * The items of `with_<lookup>` loops, as Ansible's lookups of the same names give them. dict,
 * subelements and first_found are loop lookups here; any other name goes to the expression
 * language's lookup of that name (`with_file`, `with_env`...).
 */
export function loopLookupItems(name: string, terms: unknown, vars: Vars, action: string): unknown[] {
  switch (name) {
    case 'dict':
      if (!isDict(terms)) throw new Error(`with_dict expects a dict, got ${describeValue(terms)}`);
      return Object.entries(terms).map(([key, value]) => ({ key, value }));
    case 'subelements':
      return subelements(terms);
    case 'first_found':
      return firstFound(terms, vars, action);
    default:
      return lookup([name, ...(Array.isArray(terms) ? terms : [terms])], {}, vars, true) as unknown[];
  }
}

/** with_subelements: [list, 'key.path', {skip_missing}] → [element, sub] for each sub of each element's list. */
function subelements(terms: unknown): unknown[] {
  if (!Array.isArray(terms) || terms.length < 2 || terms.length > 3 || typeof terms[1] !== 'string') {
    throw new Error('subelements lookup expects a list of two or three items: a list, a key, and optionally {skip_missing: ...}');
  }
  const [list, path, flags] = terms as [unknown, string, unknown];
  const elements = isDict(list) ? Object.values(list) : list;
  if (!Array.isArray(elements)) throw new Error(`subelements lookup expects a list first, got ${describeValue(list)}`);
  const skipMissing = isDict(flags) && flags.skip_missing === true;
  return elements.flatMap((element) => {
    if (isDict(element) && element.skipped === true) return [];
    let sub: unknown = element;
    for (const key of path.split('.')) {
      if (!isDict(sub) || sub[key] === undefined) {
        if (skipMissing) return [];
        throw new Error(`could not find '${key}' key in iterated item ${JSON.stringify(element)}`);
      }
      sub = sub[key];
    }
    if (!Array.isArray(sub)) throw new Error(`the key ${path} should point to a list, got ${describeValue(sub)}`);
    return sub.map((item) => [element, item]);
  });
}

/**
 * with_first_found: the first file that exists, searched as Ansible does for the task's action:
 * the role's `vars/` for include_vars, `templates/` for template, else `files/`, then the role's
 * `tasks/` and the role, then the playbook's directory. None: an error, or no item with `skip`.
 */
function firstFound(terms: unknown, vars: Vars, action: string): unknown[] {
  const { candidates, skip } = searchTerms(Array.isArray(terms) ? terms : [terms]);
  const subdir = action.includes('template') ? 'templates' : action.includes('var') ? 'vars' : 'files';
  const rolePath = typeof vars.role_path === 'string' ? vars.role_path : undefined;
  const playbookDir = typeof vars.playbook_dir === 'string' ? vars.playbook_dir : process.cwd();
  const bases = [...(rolePath ? [join(rolePath, subdir), join(rolePath, 'tasks'), rolePath] : []), join(playbookDir, subdir), playbookDir];
  for (const candidate of candidates) {
    const found = isAbsolute(candidate) ? (existsSync(candidate) ? candidate : undefined) : bases.map((base) => join(base, candidate)).find((path) => existsSync(path));
    if (found) return [found];
  }
  if (skip) return [];
  throw new Error(`No file was found when using first_found (searched: ${candidates.join(', ')})`);
}

/** first_found's terms: file names, or {files, paths, skip}; names split on `,`/`;` and paths on `,:;` as Ansible does. */
function searchTerms(terms: unknown[]): { candidates: string[]; skip: boolean } {
  const candidates: string[] = [];
  let skip = false;
  for (const term of terms) {
    if (typeof term === 'string') {
      candidates.push(...splitOn(term, /[,;]/));
    } else if (Array.isArray(term)) {
      const inner = searchTerms(term);
      candidates.push(...inner.candidates);
      skip = inner.skip;
    } else if (isDict(term)) {
      const files = listOf(term.files).flatMap((f) => splitOn(f, /[,;]/));
      const paths = listOf(term.paths).flatMap((p) => splitOn(p, /[,:;]/));
      skip = term.skip === true;
      candidates.push(...(paths.length > 0 ? paths.flatMap((path) => files.map((file) => join(path, file))) : files));
    } else {
      throw new Error(`first_found: a term must be a file name or a dict of files/paths, got ${describeValue(term)}`);
    }
  }
  return { candidates, skip };
}

function listOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function splitOn(text: string, separators: RegExp): string[] {
  return text.split(separators).map((s) => s.trim()).filter(Boolean);
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a dict' : `${typeof value} ${JSON.stringify(value)}`;
}
