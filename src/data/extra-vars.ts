import { resolve } from 'node:path';
import { parseKeyValues } from './key-values';
import { isDict, type Vars } from './vars';
import { loadYamlFile, parseYaml, type YamlLoadOptions } from './yaml-loader';

/** A `-e` value that is not key=value pairs, a readable file or a mapping. */
export class ExtraVarsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtraVarsError';
  }
}

/**
 * `-e` as Ansible reads it, repeatable, later values winning: `key=value ...` (strings),
 * `@file.yml` (YAML or JSON, may be vaulted), or inline JSON/YAML starting with `{`.
 */
export function parseExtraVars(values: readonly string[], options: YamlLoadOptions & { cwd?: string } = {}): Vars {
  const merged: Vars = {};
  for (const value of values) Object.assign(merged, parseOne(value.trim(), options));
  return merged;
}

function parseOne(value: string, options: YamlLoadOptions & { cwd?: string }): Vars {
  if (value.startsWith('@')) return asDict(loadYamlFile(resolve(options.cwd ?? '.', value.slice(1)), options), value);
  if (value.startsWith('{')) return asDict(parseYaml(value, '-e', options), value);
  const parsed = parseKeyValues(value);
  if ('unreadable' in parsed) throw new ExtraVarsError(`-e: cannot read '${parsed.unreadable}' (use key=value, @file.yml or JSON)`);
  return parsed.values;
}

function asDict(value: unknown, source: string): Vars {
  if (!isDict(value)) throw new ExtraVarsError(`-e ${source}: extra vars must be a mapping`);
  return value;
}
