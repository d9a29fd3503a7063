import { ENV_NAME } from '../../base/shell-quote';
import { locate } from '../../data/yaml-loader';
import { isTemplated } from '../../lang/templates';
import { PlaybookError } from './errors';
import { describe } from './module-args';
import type { EnvironmentLayer, Flag, Origin } from './types';
import { isDict, type Vars } from '../../data/vars';

/**
 * Typed reads of playbook keywords. Each reports the keyword and the line it is on, so a wrong
 * type reads like `playbooks/site.yml:12: become: expected true or false, got a list`.
 */
export class Fields {
  constructor(
    private readonly raw: Vars,
    readonly origin: Origin,
  ) {}

  static of(raw: unknown, origin: Origin, what: string): Fields {
    if (!isDict(raw)) throw new PlaybookError(`${what} must be a mapping, got ${describe(raw)}`, origin);
    return new Fields(raw, originOf(raw, origin));
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  value(key: string): unknown {
    return this.raw[key];
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  at(key: string): Origin {
    return originOf(this.raw, this.origin, key);
  }

  fail(key: string, detail: string): never {
    throw new PlaybookError(`${key}: ${detail}`, this.at(key));
  }

  string(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    return this.fail(key, `expected a string, got ${describe(value)}`);
  }

  bool(key: string): boolean | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    return this.fail(key, `expected true or false, got ${describe(value)}`);
  }

  /** A boolean keyword Ansible lets a template decide (`ignore_errors: "{{ x }}"`): checked when rendered, per host. */
  flag(key: string): Flag | undefined {
    const value = this.raw[key];
    if (typeof value === 'string' && isTemplated(value)) return value;
    return this.bool(key);
  }

  number(key: string): number | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value.replace(/%$/, '')) : value;
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return n;
    return this.fail(key, `expected a number, got ${describe(value)}`);
  }

  /** A string or a list of strings; a single string may hold comma-separated entries (as tags do in Ansible). */
  list(key: string, { commas = false } = {}): string[] {
    const value = this.raw[key];
    if (value === undefined || value === null) return [];
    const items = Array.isArray(value) ? value : [value];
    return items.flatMap((item) => {
      if (typeof item === 'boolean' || typeof item === 'number') return [String(item)];
      if (typeof item !== 'string') return this.fail(key, `expected a string or a list of strings, got ${describe(item)}`);
      return commas ? item.split(',').map((s) => s.trim()).filter(Boolean) : [item];
    });
  }

  dict(key: string): Vars {
    const value = this.raw[key];
    if (value === undefined || value === null) return {};
    if (!isDict(value)) return this.fail(key, `expected a mapping, got ${describe(value)}`);
    return value;
  }

  /** `environment:` a mapping of variable names (values may be templated), or `{{ }}` that renders to one. */
  environment(key: string): EnvironmentLayer | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && isTemplated(value)) return value;
    if (!isDict(value)) return this.fail(key, `expected a mapping of environment variables, got ${describe(value)}`);
    const problem = environmentProblem(value);
    if (problem !== undefined) this.fail(key, problem);
    return value;
  }

  /** A conditional (`when`, `until`, `changed_when`, `failed_when`): an expression, a boolean, or a list of them (all must hold). */
  conditions(key: string): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => {
      if (typeof item === 'boolean' || typeof item === 'number') return String(item);
      if (typeof item !== 'string') return this.fail(key, `expected an expression, got ${describe(item)}`);
      return item;
    });
  }
}

/** The location of a parsed object (or of one of its keys), or the given fallback. */
export function originOf(raw: unknown, fallback: Origin, key?: string | number): Origin {
  const at = locate(raw, key);
  return at ? { file: at.file, line: at.line } : fallback;
}

/** Why a mapping cannot be a command's environment (a bad name, a value that is not a scalar), if it cannot. */
export function environmentProblem(env: Record<string, unknown>): string | undefined {
  const invalid = Object.keys(env).find((name) => !ENV_NAME.test(name));
  if (invalid !== undefined) return `${JSON.stringify(invalid)} is not a valid environment variable name`;
  const unusable = Object.entries(env).find(([, value]) => !['string', 'number', 'boolean'].includes(typeof value));
  return unusable && `${unusable[0]}: expected a string, got ${describe(unusable[1])}`;
}
