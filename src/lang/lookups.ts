import { existsSync, readFileSync } from 'node:fs';
import type { Origin } from './expression-error';
import { EvalError, ownProperty, typeName } from './values';
import type { Redactor } from '../data/redaction';
import type { Vars } from '../data/vars';
import { openVaultedFile, VaultError, type VaultPasswords } from '../vault';

/**
 * Ansible's lookup plugins that only read the controller: `file`, `template`, `env`,
 * `varnames` (the variables whose names match a regular expression) and `vars` (a variable
 * whose name is computed). Paths are
 * searched as Ansible does (the role's files/ or templates/, the role, then the playbook's
 * files/ or templates/ and its directory). Vault-encrypted files are decrypted with the run's
 * passwords and their content is registered as a vault secret (redacted in output, diffs
 * hidden). `pipe` (and anything else that would run code on the controller) is refused.
 */

/** Where a relative `src:`-style path is found; the engine's search order, given to us so lang needs no engine. */
export type ResolveLocal = (path: string, kind: 'files' | 'templates', rolePath: string | undefined, playbookDir: string) => string;

export interface LookupContext {
  vault?: VaultPasswords;
  secrets?: Redactor;
  resolveLocal?: ResolveLocal;
}

type RenderTemplate = (source: string, vars: Readonly<Vars>, origin: Origin) => string;

// set by the playbook loader (the run's vault passwords, secrets and path search) and by the template engine (a cycle otherwise)
let context: LookupContext = {};
let renderTemplate: RenderTemplate | undefined;

export function configureLookups(next: LookupContext): void {
  context = next;
}

export function registerTemplateRenderer(render: RenderTemplate): void {
  renderTemplate = render;
}

/** One term's results: a text, or several values (varnames' matching names) that a list result keeps apart, or a variable's value. */
type Plugin = (term: string, kwargs: Record<string, unknown>, vars: Readonly<Vars>) => unknown;

const REFUSED: Record<string, string> = {
  pipe: "lookup('pipe') is not supported: it would run a command on the controller from playbook text; use a command task (delegate_to: localhost) and register its output",
};

const PLUGINS: Record<string, Plugin> = {
  file: (term, kwargs, vars) => {
    const text = readControllerFile(resolvePath(term, 'files', 'file', vars), 'file');
    const trimmed = kwargs.lstrip === true ? text.trimStart() : text;
    return secret(kwargs.rstrip === false ? trimmed : trimmed.trimEnd(), text);
  },
  template: (term, _kwargs, vars) => {
    const path = resolvePath(term, 'templates', 'template', vars);
    const source = readControllerFile(path, 'template');
    if (!renderTemplate) throw new EvalError("lookup('template') needs the template engine");
    return secret(renderTemplate(source, vars, { file: path }), source);
  },
  env: (term, kwargs) => process.env[term] ?? (kwargs.default === undefined ? '' : String(kwargs.default)),
  varnames: (term, _kwargs, vars) => {
    let pattern: RegExp;
    try {
      pattern = new RegExp(term);
    } catch (err) {
      throw new EvalError(`lookup('varnames'): invalid regular expression '${term}': ${(err as Error).message}`);
    }
    return Object.keys(vars).filter((name) => pattern.test(name));
  },
  vars: (term, kwargs, vars) => {
    if (Object.prototype.hasOwnProperty.call(vars, term)) return [vars[term]];
    if (kwargs.default !== undefined) return [kwargs.default];
    throw new EvalError(`lookup('vars'): no variable found with this name: ${term}`);
  },
};

/** Why a lookup plugin cannot be used (refused or unknown), or undefined when it can. */
export function lookupProblem(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(REFUSED, name)) return REFUSED[name];
  if (!Object.prototype.hasOwnProperty.call(PLUGINS, name)) return `unknown lookup plugin '${name}' (supported: ${Object.keys(PLUGINS).join(', ')})`;
  return undefined;
}

/**
 * `lookup(name, terms...)`: one result per term, joined with ',' as Ansible does unless a list is
 * wanted (query, wantlist=True); results that are not all text are not joined: one is itself, several a list.
 */
export function lookup(args: unknown[], kwargs: Record<string, unknown>, vars: Readonly<Vars>, wantList: boolean): unknown {
  const [name, ...terms] = args;
  if (typeof name !== 'string') throw new EvalError(`lookup() needs a plugin name first, got ${typeName(name)}`);
  const problem = lookupProblem(name);
  if (problem) throw new EvalError(problem);
  const plugin = PLUGINS[name];
  const results = terms.flat().flatMap((term) => {
    if (typeof term !== 'string') throw new EvalError(`lookup('${name}') terms must be strings, got ${typeName(term)}`);
    return plugin(term, kwargs, vars);
  });
  if (wantList) return results;
  if (results.every((r) => typeof r === 'string')) return results.join(',');
  return results.length === 1 ? results[0] : results;
}

function resolvePath(term: string, kind: 'files' | 'templates', plugin: string, vars: Readonly<Vars>): string {
  const resolveLocal = context.resolveLocal;
  if (!resolveLocal) throw new EvalError(`lookup('${plugin}') needs the playbook's file search`);
  const rolePath = ownProperty(vars, 'role_path');
  const playbookDir = ownProperty(vars, 'playbook_dir');
  const path = resolveLocal(term, kind, typeof rolePath === 'string' ? rolePath : undefined, typeof playbookDir === 'string' ? playbookDir : process.cwd());
  if (!existsSync(path)) throw new EvalError(`lookup('${plugin}'): could not locate file '${term}' (searched the role's ${kind}/, the role, the playbook's ${kind}/ and its directory)`);
  return path;
}

/** A controller file's text; a vaulted file is decrypted and its content becomes a vault secret. */
function readControllerFile(path: string, plugin: string): string {
  try {
    return openVaultedFile(readFileSync(path), context.vault, (text) => context.secrets?.add(text, 'vault')).content.toString('utf8');
  } catch (err) {
    if (err instanceof VaultError) throw new EvalError(`lookup('${plugin}') of ${path}: vault: ${err.message}`);
    throw err;
  }
}

/** What a lookup made of a secret file is a secret too (so diffs of files written from it stay hidden). */
function secret(result: string, fileText: string): string {
  if (context.secrets?.fromVault(fileText)) context.secrets.add(result, 'vault');
  return result;
}
