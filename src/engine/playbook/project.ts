import { existsSync } from 'node:fs';
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
}

export function findProjectRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, PROJECT_FILE)) || existsSync(join(dir, 'playbooks'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function loadProject(cwd: string): Project {
  const root = findProjectRoot(cwd) ?? resolve(cwd);
  const file = join(root, PROJECT_FILE);
  if (!existsSync(file)) return { root, inventory: [] };
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
