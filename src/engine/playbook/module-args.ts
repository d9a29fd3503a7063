import type { z } from 'zod';
import type { ModuleDefinition } from '../../modules/module';
import { parseKv, type KeyValueArgs } from '../../data/key-values';
import { OMIT_PLACEHOLDER } from '../../modules/module';
import { isTemplated } from '../../lang/templates';
import { PlaybookError } from './errors';
import type { Origin } from './types';
import { isDict, type Vars } from '../../data/vars';

/**
 * A task's module arguments as Ansible accepts them: a dict, or a free-form string. A free-form
 * string is the module's free-form argument (`command: ls -l`), or `key=value` pairs for modules
 * without one (`file: path=/tmp/x state=touch`). An `args:` dict on the task is merged in.
 * Arguments keep the names the task wrote (aliases too), so messages can name them.
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
 * The options Ansible's `parse_kv(check_raw=True)` takes out of a command or shell free-form line
 * (`creates=/x chdir=/tmp make`); every other word stays in the command.
 */
const COMMAND_LINE_OPTIONS: ReadonlySet<string> = new Set(['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends']);

/**
 * A free-form string: `key=value` pairs when every key is an argument of the module (Ansible's
 * `debug: msg="hi"`, `file: path=/x state=touch`), else the module's free-form argument
 * (`command: ls -l`, `debug: hello`); command and shell take their options out of the line.
 */
function freeFormArgs(module: ModuleDefinition, text: string, origin: Origin): Vars {
  if (!module.freeForm) return keyValueArgs(text, module.name, origin);
  const known = argumentNames(module);
  // command and shell (the free-form modules with creates=): Ansible reads their line with check_raw
  if (known.has('creates')) {
    const parsed = readKv(text, module.name, origin, COMMAND_LINE_OPTIONS);
    const options = Object.keys(parsed.values).length > 0;
    return { ...parsed.values, ...(parsed.raw.length > 0 ? { [module.freeForm]: options ? parsed.raw.join(' ') : text } : {}) };
  }
  let parsed: KeyValueArgs;
  try {
    parsed = parseKv(text);
  } catch {
    // not key=value pairs (`debug: it's done`): the whole text is the free-form argument
    return { [module.freeForm]: text };
  }
  const keys = Object.keys(parsed.values);
  if (parsed.raw.length === 0 && keys.length > 0 && keys.every((key) => known.has(key) || module.aliases?.[key] !== undefined)) return parsed.values;
  return { [module.freeForm]: text };
}

/** key=value text the module must be able to read: an unclosed quote or `{{` is a load-time error. */
function readKv(text: string, module: string, origin: Origin, onlyKeys?: ReadonlySet<string>): KeyValueArgs {
  try {
    return parseKv(text, onlyKeys);
  } catch (err) {
    throw new PlaybookError(`${module}: cannot read the arguments: ${(err as Error).message}`, origin);
  }
}

function keyValueArgs(text: string, module: string, origin: Origin): Vars {
  const parsed = readKv(text, module, origin);
  if (parsed.raw.length > 0) {
    throw new PlaybookError(`${module}: cannot read '${parsed.raw.join(' ')}' as key=value arguments (this module takes no free-form text)`, origin);
  }
  return parsed.values;
}

function shapeOf(module: ModuleDefinition): Record<string, z.ZodType> {
  const schema: unknown = module.args;
  const shape = schema && typeof schema === 'object' && 'shape' in schema ? (schema as { shape: unknown }).shape : undefined;
  return shape && typeof shape === 'object' ? (shape as Record<string, z.ZodType>) : {};
}

function argumentNames(module: ModuleDefinition): Set<string> {
  return new Set(Object.keys(shapeOf(module)));
}

/**
 * The arguments as the module's schema names them: aliases renamed (both an argument and its
 * alias is refused, so a task never means two values), `omit` and null dropped, and strings converted
 * to the declared type as Ansible's argument spec does (`update_cache=yes`, `uid="1001"`).
 */
function canonicalArgs(module: ModuleDefinition, args: Vars, origin: Origin): Vars {
  const shape = shapeOf(module);
  const result: Vars = {};
  for (const [written, value] of Object.entries(args)) {
    // Ansible checks no type of a null argument (`pkg:` with nothing after it): it is not given
    if (value === OMIT_PLACEHOLDER || value === null) continue;
    const name = module.aliases?.[written] ?? written;
    if (name !== written && args[name] !== undefined) {
      throw new PlaybookError(`${module.name}: give either '${name}' or its alias '${written}', not both`, origin);
    }
    result[name] = name in shape ? converted(value, kindsOf(shape[name])) : value;
  }
  return result;
}

/** Ansible's `BOOLEANS_TRUE` / `BOOLEANS_FALSE` spelled as strings. */
const BOOLEAN_WORDS: Record<string, boolean> = { yes: true, on: true, '1': true, true: true, y: true, t: true, no: false, off: false, '0': false, false: false, n: false, f: false };

function converted(value: unknown, kinds: Set<string>): unknown {
  if (typeof value !== 'string' || isTemplated(value) || kinds.has('string')) return value;
  const word = value.trim().toLowerCase();
  if (kinds.has('boolean') && word in BOOLEAN_WORDS) return BOOLEAN_WORDS[word];
  if (kinds.has('number') && word !== '' && Number.isFinite(Number(word))) return Number(word);
  return value;
}

/** The base types a schema accepts (through optional, default, unions and pipes). */
function kindsOf(schema: z.ZodType, kinds = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] } } })._zod.def;
  if (def.innerType) kindsOf(def.innerType, kinds);
  else if (def.in) kindsOf(def.in, kinds);
  else if (def.options) def.options.forEach((option) => kindsOf(option, kinds));
  else kinds.add(def.type === 'enum' || def.type === 'literal' ? 'string' : def.type);
  return kinds;
}

/** The name the task wrote for an argument: the alias it used, or the argument's own name. */
function writtenName(module: ModuleDefinition, args: Vars, name: string): string {
  const alias = Object.entries(module.aliases ?? {}).find(([alias, target]) => target === name && args[alias] !== undefined);
  return alias ? alias[0] : name;
}

/**
 * Load-time check: unknown arguments (always, since they are names, not values), missing required
 * ones and wrong types of arguments whose value is written out. Arguments holding `{{ }}` are
 * checked after rendering, per host.
 */
export function validateArgsStatically(module: ModuleDefinition, args: Vars, origin: Origin): void {
  if (isTemplated(Object.keys(args))) return;
  const canonical = canonicalArgs(module, args, origin);
  const parsed = module.args.safeParse(canonical);
  if (parsed.success) return;
  const issues = parsed.error.issues.filter((issue) => {
    if (issue.code === 'unrecognized_keys') return true;
    const key = issue.path[0];
    return !(typeof key === 'string' && isTemplated(canonical[key])) && !(issue.path.length === 0 && isTemplated(canonical));
  });
  if (issues.length > 0) throw new PlaybookError(describeIssues(module, args, issues), origin);
}

/** Run-time check of the rendered arguments; returns them as the module's schema parsed them. */
export function parseArgs(module: ModuleDefinition, args: Vars, origin: Origin): unknown {
  const parsed = module.args.safeParse(canonicalArgs(module, args, origin));
  if (!parsed.success) throw new PlaybookError(describeIssues(module, args, parsed.error.issues), origin);
  return parsed.data;
}

function describeIssues(module: ModuleDefinition, args: Vars, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys;
        return `${module.name}: unknown argument${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
      }
      if (issue.path.length === 0) return `${module.name}: arguments: ${issue.message}`;
      const [first, ...rest] = issue.path.map(String);
      const name = [writtenName(module, args, first), ...rest].join('.');
      if (issue.path.length === 1 && issue.code === 'invalid_type' && args[name] === undefined) {
        return `${module.name}: missing required argument '${name}'`;
      }
      return `${module.name}: argument '${name}': ${issue.message}`;
    })
    .join('; ');
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} '${String(value)}'`;
}
