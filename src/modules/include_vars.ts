import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import { VARIABLE_NAME } from './set_fact';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

const args = z
  .object({
    file: z.string().min(1).optional(),
    dir: z.string().min(1).optional(),
    name: z.string().regex(VARIABLE_NAME, 'not a valid variable name').optional(),
    files_matching: z.string().min(1).optional(),
    ignore_files: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .refine((a) => (a.file === undefined) !== (a.dir === undefined), { message: 'include_vars needs exactly one of file (free form) or dir' });

type IncludeVarsArgs = z.infer<typeof args>;

/**
 * Reads variables from controller files (the role's vars/, then the playbook's) into the host's
 * variables, as set_fact does. Vault-encrypted files are decrypted with the run's passwords.
 */
export const include_vars: ModuleDefinition<IncludeVarsArgs> = {
  name: 'include_vars',
  args,
  // Runs on the controller only: nothing on the host to gather.
  probe: () => [],
  freeForm: 'file',
  async run(a, ctx) {
    const files = a.file !== undefined ? [varsFile(ctx, a.file)] : dirFiles(ctx, a.dir ?? '', a);
    const vars: Record<string, unknown> = {};
    for (const path of files) Object.assign(vars, varsOf(ctx.readVarsFile(path), path));
    const facts = a.name === undefined ? vars : { [a.name]: vars };
    return { changed: false, facts, ansible_facts: facts, ansible_included_var_files: files };
  },
};

function varsFile(ctx: ModuleContext, file: string): string {
  const path = ctx.resolveLocal(file, 'vars');
  if (!existsSync(path) || !statSync(path).isFile()) throw new ModuleFailure(`include_vars: file not found: ${file} (looked for ${path})`);
  return path;
}

/** The directory's .yml/.yaml/.json files in name order, minus ignore_files, kept when their name matches files_matching. */
function dirFiles(ctx: ModuleContext, dir: string, a: IncludeVarsArgs): string[] {
  const path = ctx.resolveLocal(dir, 'vars');
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new ModuleFailure(`include_vars: directory not found: ${dir} (looked for ${path})`);
  const matching = a.files_matching === undefined ? undefined : new RegExp(a.files_matching);
  return readdirSync(path)
    .filter((name) => VARS_EXTENSIONS.some((ext) => name.endsWith(ext)))
    .filter((name) => !a.ignore_files.includes(name) && (matching === undefined || matching.test(name)))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
}

function varsOf(value: unknown, path: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ModuleFailure(`include_vars: ${basename(path)} must hold a mapping of variables (${path})`);
  const invalid = Object.keys(value).find((key) => !VARIABLE_NAME.test(key));
  if (invalid !== undefined) throw new ModuleFailure(`include_vars: ${path}: ${JSON.stringify(invalid)} is not a valid variable name`);
  return value as Record<string, unknown>;
}
