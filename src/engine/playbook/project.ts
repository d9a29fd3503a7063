import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { PlaybookError } from './errors';
import { loadYamlFile } from '../../data/yaml-loader';

/**
 * The project: the directory holding `play.yml` (or `playbooks/`), found by searching upward
 * from the working directory, like git finds `.git`. `play.yml` is optional and tiny:
 *
 *   inventory: inventory/lab        # or a list; used when no -i is given
 *   forks: 50
 *   vault_password_file: ~/.vault-pass
 *
 * A play.yml chooses the hosts and may name a password script, so it is as good as code: the
 * search only looks in directories that no one but the user (or root, or the user's own group) can
 * write, and stops at the first other one (/tmp, a shared or another user's directory), as git does at
 * repositories others own; the play.yml found must be as safe as its directory.
 */
export const PROJECT_FILE = 'play.yml';

const projectConfig = z
  .object({
    inventory: z.union([z.string(), z.array(z.string())]).optional(),
    forks: z.number().int().positive().optional(),
    vault_password_file: z.string().optional(),
  })
  .strict();

export interface Project {
  root: string;
  inventory: string[];
  forks?: number;
  vaultPasswordFile?: string;
  /** A play.yml the search stopped at and did not use, and why: for a warning. */
  ignored?: string;
}

interface Search {
  root?: string;
  ignored?: string;
}

function searchProject(from: string): Search {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const unsafe = othersCanWrite(dir);
    if (unsafe) {
      const file = join(dir, PROJECT_FILE);
      return existsSync(file) ? { ignored: `ignoring ${file}: ${unsafe} (play uses a play.yml only in directories that only you, root or your own group can write)` } : {};
    }
    if (existsSync(join(dir, PROJECT_FILE)) || existsSync(join(dir, 'playbooks'))) return { root: dir };
    if (dirname(dir) === dir) return {};
  }
}

export function findProjectRoot(from: string): string | undefined {
  return searchProject(from).root;
}

/** Why someone other than the user and root may have written a path, if they may. */
function othersCanWrite(path: string): string | undefined {
  const stat = statSync(path);
  const uid = process.getuid?.();
  if (stat.uid !== uid && stat.uid !== 0) return `${path} is owned by uid ${stat.uid}`;
  // Our own group is us (a user-private group, as umask 002 makes them); another group is others.
  if (stat.mode & 0o002) return `${path} is writable by others`;
  if (stat.mode & 0o020 && stat.gid !== process.getgid?.()) return `${path} is writable by group ${stat.gid}`;
  return undefined;
}

export function loadProject(cwd: string): Project {
  const search = searchProject(cwd);
  const root = search.root ?? resolve(cwd);
  const ignored = search.ignored ? { ignored: search.ignored } : {};
  const file = join(root, PROJECT_FILE);
  if (!search.root || !existsSync(file)) return { root, inventory: [], ...ignored };
  const unsafe = othersCanWrite(file);
  if (unsafe) throw new PlaybookError(`refusing ${file}: ${unsafe} (play uses a play.yml only if only you, root or your own group can write it)`);
  const raw = loadYamlFile(file) ?? {};
  const parsed = projectConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new PlaybookError(`${field}: ${issue.message}`, { file, line: 1 });
  }
  const inside = (path: string) => (isAbsolute(path) ? path : join(root, path));
  const inventory = parsed.data.inventory;
  return {
    root,
    inventory: (inventory === undefined ? [] : Array.isArray(inventory) ? inventory : [inventory]).map(inside),
    forks: parsed.data.forks,
    vaultPasswordFile: parsed.data.vault_password_file && inside(parsed.data.vault_password_file.replace(/^~(?=\/)/, process.env.HOME ?? '~')),
  };
}

/** `play site` → `<root>/playbooks/site.yml`; an existing path is used as it is. */
export function resolvePlaybook(nameOrPath: string, project: Project, cwd: string): string {
  const asPath = resolve(cwd, nameOrPath);
  if (existsSync(asPath) && !asPath.endsWith('/')) return asPath;
  const candidates = [`${nameOrPath}.yml`, `${nameOrPath}.yaml`, nameOrPath].map((name) => join(project.root, 'playbooks', name));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new PlaybookError(`no playbook '${nameOrPath}' (looked for ${asPath} and ${candidates[0]})`);
  return found;
}
