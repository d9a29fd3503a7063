import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { renderTemplateFile } from '../../src/lang/templates';

/** Helpers for the fast checks of the site's content (roles, playbooks, app): no host needed. */

export const REPO = path.resolve(__dirname, '../..');
export const ROLES = path.join(REPO, 'roles');

type Vars = Record<string, unknown>;

export function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'));
}

/** Every file under `dir` whose name ends with one of `suffixes`. */
export function filesUnder(dir: string, suffixes: string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file).isFile() && suffixes.some((s) => file.endsWith(s)));
}

/**
 * What a role's template sees in a sample run: the role's defaults, the site's shared names
 * (playbooks/vars/webtier.yml), a gathered fact or two, then the overrides an inventory would bring.
 */
/** A role's variables as a play of the site sees them: defaults, the site's vars file, the role's vars/ (which win over vars files). */
export function roleVars(role: string, overrides: Vars = {}): Vars {
  const roleOwn = path.join(ROLES, role, 'vars', 'main.yml');
  return {
    ...(readYaml(path.join(ROLES, role, 'defaults', 'main.yml')) as Vars),
    ...(readYaml(path.join(REPO, 'playbooks', 'vars', 'webtier.yml')) as Vars),
    ...(existsSync(roleOwn) ? (readYaml(roleOwn) as Vars) : {}),
    inventory_hostname: 'app-1',
    ansible_processor_nproc: 2,
    ...overrides,
  };
}

export function renderRoleTemplate(role: string, template: string, vars: Vars): string {
  return renderTemplateFile(path.join(ROLES, role, 'templates', template), vars);
}

/** A scratch directory removed by the returned cleanup (call it in afterEach/afterAll). */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a tool and returns its exit status with its output, for assertions that name the failure. */
export function tool(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
