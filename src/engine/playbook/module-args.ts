import type { z } from 'zod';
import type { ModuleDefinition } from '../../modules/module';
import { parseKeyValues } from '../../data/key-values';
import { isTemplated } from '../../lang/templates';
import { PlaybookError } from './errors';
import type { Origin } from './types';
import { isDict, type Vars } from '../../data/vars';

/**
 * A task's module arguments as Ansible accepts them: a dict, or a free-form string. A free-form
 * string is the module's free-form argument (`command: ls -l`), or `key=value` pairs for modules
 * without one (`file: path=/tmp/x state=touch`). An `args:` dict on the task is merged in.
 */
export function normalizeArgs(module: ModuleDefinition, raw: unknown, extra: unknown, origin: Origin): Vars {
  const base = raw === null || raw === undefined ? {} : raw;
  let args: Vars;
  if (typeof base === 'string') args = freeFormArgs(module, base, origin);
  else if (isDict(base)) args = { ...base };
  else throw new PlaybookError(`${module.name}: arguments must be a mapping or a string, got ${describe(base)}`, origin);
  if (extra !== undefined) {
    if (!isDict(extra)) throw new PlaybookError(`args: must be a mapping, got ${describe(extra)}`, origin);
    Object.assign(args, extra);
  }
  return args;
}

/**
 * A free-form string: `key=value` pairs when every key is an argument of the module (Ansible's
 * `debug: msg="hi"`, `file: path=/x state=touch`), else the module's free-form argument
 * (`command: ls -l`, `debug: hello`).
 */
function freeFormArgs(module: ModuleDefinition, text: string, origin: Origin): Vars {
  if (!module.freeForm) return keyValueArgs(text, module.name, origin);
  const parsed = parseKeyValues(text);
  const known = argumentNames(module);
  if ('values' in parsed && Object.keys(parsed.values).length > 0 && Object.keys(parsed.values).every((key) => known.has(key))) return parsed.values;
  return { [module.freeForm]: text };
}

function argumentNames(module: ModuleDefinition): Set<string> {
  const schema: unknown = module.args;
  const shape = schema && typeof schema === 'object' && 'shape' in schema ? (schema as { shape: unknown }).shape : undefined;
  return new Set(shape && typeof shape === 'object' ? Object.keys(shape) : []);
}

function keyValueArgs(text: string, module: string, origin: Origin): Vars {
  const parsed = parseKeyValues(text);
  if ('unreadable' in parsed) {
    throw new PlaybookError(`${module}: cannot read '${parsed.unreadable}' as key=value arguments (this module takes no free-form text)`, origin);
  }
  return parsed.values;
}

/**
 * Load-time check: unknown arguments, missing required ones and wrong types of arguments whose
 * value is written out. Arguments holding `{{ }}` are checked after rendering, per host.
 */
export function validateArgsStatically(module: ModuleDefinition, args: Vars, origin: Origin): void {
  if (isTemplated(Object.keys(args))) return;
  const parsed = module.args.safeParse(args);
  if (parsed.success) return;
  const issues = parsed.error.issues.filter((issue) => {
    const key = issue.path[0];
    return !(typeof key === 'string' && isTemplated(args[key])) && !(issue.path.length === 0 && isTemplated(args));
  });
  if (issues.length > 0) throw new PlaybookError(describeIssues(module.name, issues), origin);
}

/** Run-time check of the rendered arguments; returns them as the module's schema parsed them. */
export function parseArgs(module: ModuleDefinition, args: Vars, origin: Origin): unknown {
  const parsed = module.args.safeParse(args);
  if (!parsed.success) throw new PlaybookError(describeIssues(module.name, parsed.error.issues), origin);
  return parsed.data;
}

function describeIssues(module: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys;
        return `${module}: unknown argument${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
      }
      const where = issue.path.length > 0 ? `argument '${issue.path.join('.')}'` : 'arguments';
      return `${module}: ${where}: ${issue.message}`;
    })
    .join('; ');
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} '${String(value)}'`;
}
