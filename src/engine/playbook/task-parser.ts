import { isAbsolute, join } from 'node:path';
import { supportsAsync } from '../../modules/commands/async-job';
import type { ModuleDefinition } from '../../modules/module';
import { PlaybookError } from './errors';
import { Fields, originOf } from './fields';
import { INHERITED_KEYWORDS, inherit } from './inherit';
import { describe, normalizeArgs, validateArgsStatically } from './module-args';
import { isTemplated } from '../../lang/templates';
import type { AsyncSpec, Handler, Inherited, LoopSpec, MetaTask, ModuleTask, Origin, TaskNode } from './types';
import type { Vars } from '../../data/vars';

/** What the task parser needs from the loaders around it (files, roles, modules). */
export interface TaskSources {
  /** The parsed content of a task file (a YAML list). */
  readTaskFile(path: string, origin: Origin): unknown;
  /** import_role: the role's tasks, expanded now; its handlers join the play's. */
  importRole(name: string, tasksFrom: string, params: Vars, inherited: Inherited, origin: Origin): TaskNode[];
  module(name: string): ModuleDefinition | undefined;
}

export interface ParseScope {
  /** The file being parsed, and the directory relative task files are resolved against. */
  file: string;
  dir: string;
  inherited: Inherited;
  sources: TaskSources;
  /** Files being imported, outermost first, to refuse an import cycle. */
  importChain: string[];
}

const TASK_KEYWORDS = new Set<string>([
  ...INHERITED_KEYWORDS,
  'name',
  'loop',
  'with_items',
  'loop_control',
  'register',
  'notify',
  'changed_when',
  'failed_when',
  'until',
  'retries',
  'delay',
  'args',
  'async',
  'poll',
]);
const BLOCK_KEYWORDS = new Set<string>([...INHERITED_KEYWORDS, 'name', 'block', 'rescue', 'always']);
const META_ACTIONS = new Set<MetaTask['action']>(['flush_handlers', 'noop', 'end_play', 'end_host', 'clear_facts']);
const BUILTIN_PREFIX = /^ansible\.(?:builtin|legacy)\./;
const DEFAULT_RETRIES_WITH_UNTIL = 3;
const DEFAULT_DELAY_SECONDS = 5;
/** Ansible's default `poll` of an async task. */
const DEFAULT_POLL_SECONDS = 10;

export function parseTaskList(raw: unknown, scope: ParseScope, section: string): TaskNode[] {
  if (raw === undefined || raw === null) return [];
  const origin = originOf(raw, { file: scope.file, line: 1 });
  if (!Array.isArray(raw)) throw new PlaybookError(`${section} must be a list of tasks, got ${describe(raw)}`, origin);
  return raw.flatMap((item, i) => parseTask(item, scope, originOf(raw, origin, i)));
}

function parseTask(raw: unknown, scope: ParseScope, fallback: Origin): TaskNode[] {
  const fields = Fields.of(raw, fallback, 'a task');
  if (fields.has('block')) return [parseBlock(fields, scope)];

  const action = actionKey(fields, TASK_KEYWORDS);
  const inherited = inherit(scope.inherited, fields);
  const name = fields.string('name');
  const base = { ...inherited, name, origin: fields.origin };
  switch (keywordOf(action)) {
    case 'import_tasks':
      return importTasks(fields, action, scope, inherited);
    case 'include_tasks':
    // `include:` (deprecated in Ansible 2.14, still accepted) includes a task file as include_tasks does
    case 'include': {
      const file = includeFile(fields, action);
      return [{ ...base, kind: 'include_tasks', file, baseDir: scope.dir, ...loopOf(fields) }];
    }
    case 'import_role':
    case 'include_role': {
      const spec = Fields.of(fields.value(action), fields.at(action), action);
      const role = spec.string('name') ?? spec.fail('name', 'the role to use is missing');
      const tasksFrom = spec.string('tasks_from') ?? 'main';
      const params = { ...spec.dict('vars') };
      if (keywordOf(action) === 'include_role') return [{ ...base, kind: 'include_role', roleName: role, tasksFrom, roleVars: params }];
      if (isTemplated(role)) spec.fail('name', 'import_role is static: the role name cannot hold {{ }} (use include_role)');
      return scope.sources.importRole(role, tasksFrom, params, inherited, fields.at(action));
    }
    case 'meta': {
      const value = fields.string(action) as MetaTask['action'];
      if (!META_ACTIONS.has(value)) fields.fail(action, `unknown action '${value}' (known: ${[...META_ACTIONS].join(', ')})`);
      return [{ ...base, kind: 'meta', action: value }];
    }
    default:
      return [parseModuleTask(fields, action, scope, inherited)];
  }
}

/** The task keyword an action names, with Ansible's `ansible.builtin.` / `ansible.legacy.` prefix or without. */
function keywordOf(action: string): string {
  return action.replace(BUILTIN_PREFIX, '');
}

export function parseModuleTask(fields: Fields, action: string, scope: ParseScope, inherited: Inherited): ModuleTask {
  const moduleName = keywordOf(action);
  const module = scope.sources.module(moduleName);
  if (!module) throw new PlaybookError(`unknown module '${action}'`, fields.at(action));
  const args = normalizeArgs(module, fields.value(action), fields.value('args'), fields.at(action));
  validateArgsStatically(module, args, fields.at(action));
  const until = fields.conditions('until');
  return {
    ...inherited,
    kind: 'module',
    name: fields.string('name'),
    origin: fields.origin,
    module: moduleName,
    args,
    ...loopOf(fields),
    register: fields.string('register'),
    notify: fields.list('notify'),
    changedWhen: fields.conditions('changed_when'),
    failedWhen: fields.conditions('failed_when'),
    until,
    retries: fields.number('retries') ?? (until ? DEFAULT_RETRIES_WITH_UNTIL : 0),
    delaySeconds: fields.number('delay') ?? (until ? DEFAULT_DELAY_SECONDS : 0),
    async: asyncOf(fields, module.name),
  };
}

function asyncOf(fields: Fields, moduleName: string): AsyncSpec | undefined {
  const timeoutSeconds = fields.number('async');
  if (timeoutSeconds === undefined) {
    if (fields.has('poll')) fields.fail('poll', 'poll needs async (the most seconds the job may run)');
    return undefined;
  }
  if (!supportsAsync(moduleName)) fields.fail('async', 'async is supported for command and shell only');
  if (timeoutSeconds <= 0) fields.fail('async', 'expected a number of seconds greater than 0');
  return { timeoutSeconds, pollSeconds: fields.number('poll') ?? DEFAULT_POLL_SECONDS };
}

export function parseHandlers(raw: unknown, scope: ParseScope): Handler[] {
  if (raw === undefined || raw === null) return [];
  const origin = originOf(raw, { file: scope.file, line: 1 });
  if (!Array.isArray(raw)) throw new PlaybookError(`handlers must be a list, got ${describe(raw)}`, origin);
  return raw.flatMap((item, i) => parseHandler(item, scope, originOf(raw, origin, i)));
}

function parseHandler(item: unknown, scope: ParseScope, at: Origin): Handler[] {
  const fields = Fields.of(item, at, 'a handler');
  if (fields.has('block')) return parseHandlerBlock(fields, scope);
  const task = parseHandlerTask(fields, scope);
  const name = task.name;
  const role = scope.inherited.role?.name;
  const triggers = [...(name ? [name] : []), ...(name && role ? [`${role} : ${name}`] : []), ...fields.list('listen')];
  if (triggers.length === 0) throw new PlaybookError('a handler needs a name or listen', fields.origin);
  return [{ ...task, triggers }];
}

function parseHandlerTask(fields: Fields, scope: ParseScope): ModuleTask {
  const action = actionKey(fields, new Set([...TASK_KEYWORDS, 'listen']));
  return parseModuleTask(fields, action, scope, inherit(scope.inherited, fields));
}

/**
 * A block in handlers, as ansible-core 2.14 runs one: each task of its `block:` is a handler,
 * with the block's keywords. Its `rescue:` and `always:` are loaded as handlers too, so their
 * errors are load errors, but 2.14 never runs them and no notify reaches them (its handler list
 * holds the `block:` tasks of each block only): a failing handler fails the host.
 */
function parseHandlerBlock(fields: Fields, scope: ParseScope): Handler[] {
  const unknown = fields.keys().filter((key) => !BLOCK_KEYWORDS.has(key));
  if (unknown.length > 0) fields.fail(unknown[0], `not a keyword of a block (allowed: ${[...BLOCK_KEYWORDS].join(', ')})`);
  const inner: ParseScope = { ...scope, inherited: inherit(scope.inherited, fields) };
  for (const key of ['rescue', 'always']) {
    for (const [item, at] of handlerEntries(fields, key)) {
      const entry = Fields.of(item, at, 'a handler');
      if (entry.has('block')) parseHandlerBlock(entry, inner);
      else parseHandlerTask(entry, inner);
    }
  }
  return handlerEntries(fields, 'block').flatMap(([item, at]) => parseHandler(item, inner, at));
}

function handlerEntries(fields: Fields, key: string): Array<[unknown, Origin]> {
  const items = fields.value(key) ?? [];
  if (!Array.isArray(items)) fields.fail(key, `expected a list of handlers, got ${describe(items)}`);
  return items.map((item, i) => [item, originOf(items, fields.at(key), i)]);
}

function parseBlock(fields: Fields, scope: ParseScope): TaskNode {
  const unknown = fields.keys().filter((key) => !BLOCK_KEYWORDS.has(key));
  if (unknown.length > 0) fields.fail(unknown[0], `not a keyword of a block (allowed: ${[...BLOCK_KEYWORDS].join(', ')})`);
  const inner: ParseScope = { ...scope, inherited: inherit(scope.inherited, fields) };
  return {
    ...scope.inherited,
    kind: 'block',
    name: fields.string('name'),
    origin: fields.origin,
    block: parseTaskList(fields.value('block'), inner, 'block'),
    rescue: parseTaskList(fields.value('rescue'), inner, 'rescue'),
    always: parseTaskList(fields.value('always'), inner, 'always'),
  };
}

/** import_tasks: the file is read now and its tasks take the import's keywords. */
function importTasks(fields: Fields, action: string, scope: ParseScope, inherited: Inherited): TaskNode[] {
  const file = includeFile(fields, action);
  if (isTemplated(file)) fields.fail(action, 'import_tasks is static: the file name cannot hold {{ }} (use include_tasks)');
  const loopKey = loopKeys(fields)[0];
  if (loopKey !== undefined) fields.fail(loopKey, 'import_tasks cannot loop (use include_tasks)');
  const path = resolveTaskFile(scope.dir, file);
  if (scope.importChain.includes(path)) {
    fields.fail(action, `import cycle: ${[...scope.importChain, path].join(' -> ')}`);
  }
  const raw = scope.sources.readTaskFile(path, fields.at(action));
  return parseTaskList(raw, { ...scope, file: path, inherited, importChain: [...scope.importChain, path] }, path);
}

export function resolveTaskFile(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}

function includeFile(fields: Fields, action: string): string {
  const value = fields.value(action);
  if (typeof value === 'string') return value;
  const spec = Fields.of(value, fields.at(action), action);
  return spec.string('file') ?? spec.fail('file', 'the task file is missing');
}

/** The one key of a task that is not a keyword: the module (or include/import/meta). */
function actionKey(fields: Fields, keywords: ReadonlySet<string>): string {
  const actions = fields.keys().filter((key) => !keywords.has(key) && !isLoopKey(key));
  if (actions.length === 1) return actions[0];
  if (actions.length === 0) throw new PlaybookError('the task has no module (or include/import/block)', fields.origin);
  throw new PlaybookError(
    `the task has more than one module or unknown keyword: ${actions.join(', ')} (a task takes exactly one module)`,
    fields.at(actions[1]),
  );
}

function isLoopKey(key: string): boolean {
  return key === 'loop' || /^with_[a-z_]+$/.test(key);
}

function loopKeys(fields: Fields): string[] {
  return fields.keys().filter((key) => isLoopKey(key) && fields.has(key));
}

/** loop, with_items (flattened one level), with_list, or with_<lookup>: the terms go through that lookup when the task runs. */
function loopOf(fields: Fields): LoopSpec {
  const keys = loopKeys(fields);
  if (keys.length > 1) fields.fail(keys[1], `use one of ${keys.join(', ')}, not several`);
  const loopVar = loopVarOf(fields);
  const key = keys[0];
  if (key === undefined) return { loopVar };
  const loop = fields.value(key);
  if (key === 'loop' || key === 'with_list') return { loop, loopVar };
  if (key === 'with_items') return { loop, loopVar, flattenLoop: true };
  return { loop, loopVar, loopLookup: key.slice('with_'.length) };
}

function loopVarOf(fields: Fields): string {
  const control = fields.dict('loop_control');
  const loopVar = control.loop_var;
  if (loopVar === undefined) return 'item';
  if (typeof loopVar !== 'string' || !/^[A-Za-z_]\w*$/.test(loopVar)) fields.fail('loop_control', 'loop_var must be a variable name');
  return loopVar;
}
