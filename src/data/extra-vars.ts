import { resolve } from 'node:path';
import { parseKeyValues } from './key-values';
import { PlaybookError } from '../engine/playbook/errors';
import { isDict } from '../engine/playbook/module-args';
import type { Vars } from '../engine/playbook/types';
import { loadYamlFile, parseYaml, type YamlLoadOptions } from './yaml-loader';

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
  if ('unreadable' in parsed) throw new PlaybookError(`-e: cannot read '${parsed.unreadable}' (use key=value, @file.yml or JSON)`);
  return parsed.values;
}

function asDict(value: unknown, source: string): Vars {
  if (!isDict(value)) throw new PlaybookError(`-e ${source}: extra vars must be a mapping`);
  return value;
}
