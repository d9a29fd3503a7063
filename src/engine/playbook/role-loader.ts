import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { PlaybookError } from './errors';
import { Fields, originOf } from './fields';
import { handlerInherited, INHERITED_KEYWORDS, inherit } from './inherit';
import { describe } from './module-args';
import { parseHandlers, parseTaskList, type TaskSources } from './task-parser';
import type { Handler, Inherited, Origin, RoleScope, TaskNode } from './types';
import type { YamlSource } from './yaml-source';
import { isDict, type Vars } from '../../data/vars';

/** A role as used somewhere: its name and the parameters, tags and conditions given with it. */
export interface RoleUse {
  name: string;
  tasksFrom: string;
  params: Vars;
  inherited: Inherited;
  origin: Origin;
}

export interface ExpandedRole {
  tasks: TaskNode[];
  handlers: Handler[];
}

const ROLE_ENTRY_KEYWORDS = new Set<string>([...INHERITED_KEYWORDS, 'role', 'name']);

/**
 * Loads `roles/<name>/{tasks,handlers,defaults,vars,meta}/main.yml`. Dependencies (meta) come
 * first; a role with the same parameters runs once per play, as in Ansible; a dependency cycle is
 * an error naming the whole cycle.
 */
export class RoleLoader {
  constructor(
    private readonly searchDirs: readonly string[],
    private readonly yaml: YamlSource,
    private readonly sources: () => TaskSources,
  ) {}

  /** Parses a `roles:` entry of a play (or a meta dependency): `name`, or `{role: name, tags, vars, ...params}`. */
  parseEntry(raw: unknown, parent: Inherited, fallback: Origin): RoleUse {
    if (typeof raw === 'string') return { name: raw, tasksFrom: 'main', params: {}, inherited: parent, origin: fallback };
    const fields = Fields.of(raw, fallback, 'a role entry');
    const name = fields.string('role') ?? fields.string('name') ?? fields.fail('role', 'the role name is missing');
    const params: Vars = { ...fields.dict('vars') };
    // Ansible's role params: any other key of the entry is a variable for the role
    for (const key of fields.keys()) if (!ROLE_ENTRY_KEYWORDS.has(key)) params[key] = fields.value(key);
    const inherited = inherit(parent, fields);
    return { name, tasksFrom: 'main', params, inherited: { ...inherited, vars: parent.vars }, origin: fields.origin };
  }

  /** The role's tasks (dependencies first) and handlers; `applied` holds the roles already in the play. */
  expand(use: RoleUse, applied: Set<string>, chain: string[] = []): ExpandedRole {
    if (chain.includes(use.name)) {
      throw new PlaybookError(`role dependency cycle: ${[...chain, use.name].join(' -> ')}`, use.origin);
    }
    const key = `${use.name}\u0000${use.tasksFrom}\u0000${JSON.stringify(use.params)}`;
    if (applied.has(key)) return { tasks: [], handlers: [] };
    applied.add(key);

    const path = this.find(use.name, use.origin);
    const scope: RoleScope = {
      name: use.name,
      path,
      defaults: this.varsFile(join(path, 'defaults', 'main')),
      vars: { ...this.varsFile(join(path, 'vars', 'main')), ...use.params },
    };
    const inherited: Inherited = { ...use.inherited, role: scope };
    const dependencies = this.dependencies(path, inherited).map((dep) => this.expand(dep, applied, [...chain, use.name]));

    const tasksFile = this.yaml.findYaml(join(path, 'tasks', use.tasksFrom));
    if (!tasksFile && use.tasksFrom !== 'main') {
      throw new PlaybookError(`role '${use.name}' has no tasks file '${use.tasksFrom}' in ${join(path, 'tasks')}`, use.origin);
    }
    const scopeFor = (file: string, inh: Inherited) => ({ file, dir: join(path, 'tasks'), inherited: inh, sources: this.sources(), importChain: [file] });
    const tasks = tasksFile ? parseTaskList(this.yaml.read(tasksFile), scopeFor(tasksFile, inherited), tasksFile) : [];
    const handlersFile = this.yaml.findYaml(join(path, 'handlers', 'main'));
    const handlers = handlersFile ? parseHandlers(this.yaml.read(handlersFile), scopeFor(handlersFile, handlerInherited(inherited))) : [];
    return {
      tasks: [...dependencies.flatMap((d) => d.tasks), ...tasks],
      handlers: [...dependencies.flatMap((d) => d.handlers), ...handlers],
    };
  }

  private find(name: string, origin: Origin): string {
    const candidates = isAbsolute(name) || name.includes('/') ? [resolve(name)] : this.searchDirs.map((dir) => join(dir, name));
    const found = candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory());
    if (!found) throw new PlaybookError(`role '${name}' not found (looked in ${candidates.join(', ')})`, origin);
    return found;
  }

  private varsFile(base: string): Vars {
    const file = this.yaml.findYaml(base);
    if (!file) return {};
    const value = this.yaml.read(file);
    if (value === null || value === undefined) return {};
    if (!isDict(value)) throw new PlaybookError(`a vars file must be a mapping, got ${describe(value)}`, { file, line: 1 });
    return value;
  }

  private dependencies(path: string, inherited: Inherited): RoleUse[] {
    const file = this.yaml.findYaml(join(path, 'meta', 'main'));
    if (!file) return [];
    const meta = this.yaml.read(file);
    if (meta === null || meta === undefined) return [];
    const fields = Fields.of(meta, { file, line: 1 }, 'meta/main.yml');
    const deps: unknown = fields.value('dependencies') ?? [];
    if (!Array.isArray(deps)) return fields.fail('dependencies', `expected a list of roles, got ${describe(deps)}`);
    // a dependency inherits its dependent's tags and conditions, not its role scope
    const parent: Inherited = { ...inherited, role: undefined };
    return deps.map((dep, i) => this.parseEntry(dep, parent, originOf(deps, fields.at('dependencies'), i)));
  }
}
