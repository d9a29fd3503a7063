import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ModuleDefinition } from '../../modules/module';
import { PlaybookError } from './errors';
import { Fields, originOf } from './fields';
import { emptyInherited, handlerInherited, inherit } from './inherit';
import { resolveLocal } from './local-files';
import { describe } from './module-args';
import { configureLookups } from '../../lang/lookups';
import { isTemplated, renderValue, TemplateError } from '../../lang/templates';
import { RoleLoader, type RoleUse } from './role-loader';
import { parseHandlers, parseTaskList, resolveTaskFile, type ParseScope, type TaskSources } from './task-parser';
import type { Handler, Inherited, Origin, Play, Playbook, SerialSpec, TaskNode } from './types';
import { checkNotifications } from './validate';
import { YamlSource, type YamlSourceOptions } from './yaml-source';
import { isDict, type Vars } from '../../data/vars';

export interface PlaybookLoadOptions extends YamlSourceOptions {
  /** Module lookup (src/modules' registry). */
  module: (name: string) => ModuleDefinition | undefined;
  /** Extra role directories, searched after `<playbook dir>/roles` (the project's `roles/`). */
  roleDirs?: string[];
  /** -e variables: templated vars_files entries see them (over the play's vars). */
  extraVars?: Vars;
}

const PLAY_KEYWORDS = new Set([
  'name',
  'hosts',
  'vars',
  'vars_files',
  'roles',
  'pre_tasks',
  'tasks',
  'post_tasks',
  'handlers',
  'become',
  'become_user',
  'become_method',
  'remote_user',
  'serial',
  'max_fail_percentage',
  'any_errors_fatal',
  'gather_facts',
  'tags',
  'force_handlers',
  'ignore_errors',
  'no_log',
  'check_mode',
  'diff',
  'environment',
  'run_once',
]);

const PLAYBOOK_IMPORT_KEYS = ['import_playbook', 'ansible.builtin.import_playbook', 'ansible.legacy.import_playbook', 'include'];

/** Loads and validates a whole playbook: every file it uses is read and checked before any host is contacted. */
export function loadPlaybook(path: string, options: PlaybookLoadOptions): Playbook {
  const file = resolve(path);
  configureLookups({ ...options, resolveLocal });
  const loader = new PlaybookLoader(dirname(file), options);
  return { path: file, dir: dirname(file), plays: loader.plays(file, []) };
}

/** Loads the tasks of an include_tasks file when the include is reached (it may name a different file per host). */
export function loadIncludedTasks(path: string, inherited: Inherited, playbookDir: string, options: PlaybookLoadOptions): TaskNode[] {
  const loader = new PlaybookLoader(playbookDir, options);
  return loader.taskFile(path, inherited);
}

/** Loads an include_role when it is reached; `use.origin` is the include, for messages. */
export function loadIncludedRole(use: RoleUse, playbookDir: string, options: PlaybookLoadOptions): { tasks: TaskNode[]; handlers: Handler[] } {
  return new PlaybookLoader(playbookDir, options).roles.expand(use, new Set());
}

class PlaybookLoader implements TaskSources {
  private readonly yaml: YamlSource;
  readonly roles: RoleLoader;
  /** Handlers brought by import_role while the current play is parsed. */
  private importedHandlers: Handler[] = [];
  private appliedRoles = new Set<string>();

  constructor(
    playbookDir: string,
    private readonly options: PlaybookLoadOptions,
  ) {
    this.yaml = new YamlSource(options);
    const roleDirs = [join(playbookDir, 'roles'), ...(options.roleDirs ?? []), join(playbookDir, '..', 'roles')];
    this.roles = new RoleLoader([...new Set(roleDirs.map((d) => resolve(d)))], this.yaml, () => this);
  }

  module(name: string): ModuleDefinition | undefined {
    return this.options.module(name);
  }

  readTaskFile(path: string, origin: { file: string; line: number }): unknown {
    return this.yaml.read(path, origin);
  }

  importRole(name: string, tasksFrom: string, params: Vars, inherited: Inherited, origin: { file: string; line: number }): TaskNode[] {
    const expanded = this.roles.expand({ name, tasksFrom, params, inherited, origin }, this.appliedRoles);
    this.importedHandlers.push(...expanded.handlers);
    return expanded.tasks;
  }

  taskFile(path: string, inherited: Inherited): TaskNode[] {
    return parseTaskList(this.yaml.read(path), this.scope(path, dirname(path), inherited), path);
  }

  plays(file: string, chain: string[]): Play[] {
    if (chain.includes(file)) throw new PlaybookError(`import_playbook cycle: ${[...chain, file].join(' -> ')}`);
    const raw = this.yaml.read(file);
    const origin = { file, line: 1 };
    if (!Array.isArray(raw)) throw new PlaybookError(`a playbook must be a list of plays, got ${describe(raw)}`, origin);
    return raw.flatMap((entry, i) => {
      const at = originOf(raw, origin, i);
      // `include:` of a playbook (deprecated in Ansible 2.14, still accepted) is import_playbook
      const key = isDict(entry) ? PLAYBOOK_IMPORT_KEYS.find((k) => k in entry) : undefined;
      if (key !== undefined) {
        const fields = Fields.of(entry, at, 'import_playbook');
        const target = fields.string(key) ?? fields.fail(key, 'the playbook file is missing');
        const path = resolveTaskFile(dirname(file), target);
        this.yaml.read(path, fields.at(key));
        return this.plays(path, [...chain, file]);
      }
      return [this.play(Fields.of(entry, at, 'a play'), dirname(file))];
    });
  }

  private play(fields: Fields, dir: string): Play {
    const unknown = fields.keys().filter((key) => !PLAY_KEYWORDS.has(key));
    if (unknown.length > 0) fields.fail(unknown[0], `not a play keyword (known: ${[...PLAY_KEYWORDS].join(', ')})`);
    const hosts = fields.list('hosts').join(',');
    if (!hosts) fields.fail('hosts', 'every play needs hosts (a host pattern)');

    this.importedHandlers = [];
    this.appliedRoles = new Set();
    const playVars = fields.dict('vars');
    const vars = { ...playVars, ...this.varsFiles(fields, dir, playVars) };
    // play vars have their own precedence level, so they are not inherited as task vars
    const inherited: Inherited = { ...inherit(emptyInherited(), fields), vars: {} };
    const scope = () => this.scope(fields.origin.file, dir, inherited);

    const roleEntries = fields.value('roles') ?? [];
    if (!Array.isArray(roleEntries)) fields.fail('roles', `expected a list of roles, got ${describe(roleEntries)}`);
    const preTasks = parseTaskList(fields.value('pre_tasks'), scope(), 'pre_tasks');
    const roles = roleEntries.map((entry, i) =>
      this.roles.expand(this.roles.parseEntry(entry, inherited, originOf(roleEntries, fields.at('roles'), i)), this.appliedRoles),
    );
    const tasks = parseTaskList(fields.value('tasks'), scope(), 'tasks');
    const postTasks = parseTaskList(fields.value('post_tasks'), scope(), 'post_tasks');
    const handlers = [
      ...roles.flatMap((r) => r.handlers),
      ...this.importedHandlers,
      ...parseHandlers(fields.value('handlers'), { ...scope(), inherited: handlerInherited(inherited) }),
    ];
    const play: Play = {
      name: fields.string('name') ?? hosts,
      origin: fields.origin,
      hosts,
      vars,
      gatherFacts: fields.bool('gather_facts') ?? true,
      serial: serialOf(fields),
      maxFailPercentage: fields.number('max_fail_percentage'),
      anyErrorsFatal: fields.bool('any_errors_fatal') ?? false,
      forceHandlers: fields.bool('force_handlers'),
      keywords: inherited,
      sections: [preTasks, [...roles.flatMap((r) => r.tasks), ...tasks], postTasks],
      handlers,
      tags: inherited.tags,
    };
    checkNotifications(play, (path, inh) => this.taskFile(path, inh));
    return play;
  }

  private scope(file: string, dir: string, inherited: Inherited): ParseScope {
    return { file, dir, inherited, sources: this, importChain: [file] };
  }

  /**
   * vars_files, in order. A templated entry is rendered once per play, before any host is
   * contacted, with the play's vars, the vars_files read before it and -e extra vars (not per
   * host: see README).
   */
  private varsFiles(fields: Fields, dir: string, playVars: Vars): Vars {
    const merged: Vars = {};
    const at = fields.at('vars_files');
    for (const entry of fields.list('vars_files')) {
      const name = isTemplated(entry) ? this.renderVarsFileName(entry, { ...playVars, ...merged, ...this.options.extraVars }, at) : entry;
      const path = resolveTaskFile(dir, name);
      if (!existsSync(path)) throw new PlaybookError(`vars file not found: ${path}${name === entry ? '' : ` (vars_files entry '${entry}')`}`, at);
      const value = this.yaml.read(path, at);
      if (value === null || value === undefined) continue;
      if (!isDict(value)) throw new PlaybookError(`a vars file must be a mapping, got ${describe(value)}`, { file: path, line: 1 });
      Object.assign(merged, value);
    }
    return merged;
  }

  private renderVarsFileName(entry: string, vars: Vars, at: Origin): string {
    try {
      const name = renderValue(entry, vars, at);
      if (typeof name !== 'string' || name === '') throw new PlaybookError(`vars_files entry '${entry}' renders to ${describe(name)}, not a file name`, at);
      return name;
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new PlaybookError(`vars_files entry '${entry}': ${err.detail} (vars_files are rendered per play, with the play's vars, earlier vars_files and -e extra vars)`, at);
    }
  }
}

function serialOf(fields: Fields): SerialSpec | undefined {
  const value = fields.value('serial');
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item === 'number' && item >= 0) return item;
    if (typeof item === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(item)) return item;
    return fields.fail('serial', `expected a number, a percentage or a list of them, got ${describe(item)}`);
  });
}
