import { existsSync, readFileSync } from 'node:fs';
import { locate } from '../../data/yaml-loader';
import { ExpressionError, singleMustache } from '../../lang/expressions';
import { TemplateError } from '../../lang/template-error';
import { isTemplated } from '../../lang/templates';
import { PlaybookError } from './errors';
import { expressionNames, templateNames } from './expression-names';
import { resolveLocal } from './local-files';
import { templateFileNames } from './template-file-names';
import type { Inherited, ModuleTask, Origin, Playbook, TaskNode } from './types';
import { moduleTasks } from './validate';

/** Names the engine itself provides (see run/task-vars.ts), plus the inventory's own magic variables. */
const MAGIC = [
  'inventory_hostname',
  'inventory_hostname_short',
  'inventory_dir',
  'inventory_file',
  'group_names',
  'groups',
  'hostvars',
  'play_hosts',
  'playbook_dir',
  'role_name',
  'role_path',
  'omit',
];

export interface KnownVariables {
  /** Every variable name any host has in the inventory (group_vars and host_vars included). */
  inventory: Iterable<string>;
  extra: Iterable<string>;
}

/**
 * A variable that no source defines anywhere (inventory, play, vars_files, roles, blocks, tasks,
 * register, set_fact, -e, facts `ansible_*`) is a typo: report it before any host is contacted,
 * with the file, the line and the name. The check is deliberately generous (a name defined
 * anywhere in the playbook counts for every task, and a playbook with dynamic includes is not
 * checked for names); what it cannot know statically is still caught per host at run time.
 */
export function checkUndefinedVariables(
  playbook: Playbook,
  known: KnownVariables,
  include?: (path: string, inherited: Inherited) => TaskNode[],
): void {
  const tasks = playbook.plays.flatMap((play) => [...play.sections.flatMap((section) => [...moduleTasks(section, include)]), ...play.handlers]);
  const defined = new Set<string>([...MAGIC, ...known.inventory, ...known.extra]);
  for (const play of playbook.plays) for (const name of Object.keys(play.vars)) defined.add(name);
  for (const task of tasks) for (const name of definedBy(task)) defined.add(name);
  // what a templated include_tasks, an include_role, include_vars or a set_fact with templated names defines is only known at run time
  const dynamic =
    playbook.plays.some((play) => play.sections.some((section) => hasDynamicInclude(section))) ||
    tasks.some((task) => task.module === 'include_vars' || (task.module === 'set_fact' && isTemplated(Object.keys(task.args))));
  const isDefined = (name: string) => dynamic || defined.has(name) || name.startsWith('ansible_');

  for (const play of playbook.plays) checkVarExpressions(play.vars, play.origin);
  for (const role of new Set(tasks.flatMap((task) => (task.role ? [task.role] : [])))) {
    for (const vars of [role.defaults, role.vars]) checkVarExpressions(vars, { file: role.path, line: 1 });
  }
  for (const task of tasks) {
    const missing = referencedBy(task, task.origin).find((name) => !isDefined(name));
    if (missing) throw new PlaybookError(`undefined variable '${missing}': no inventory, play, role, task, register, set_fact or -e defines it`, task.origin);
    const template = templateOf(task, playbook.dir);
    if (template) {
      const use = template.uses.find((u) => !isDefined(u.name));
      if (use) throw new PlaybookError(`undefined variable '${use.name}' in template (used by the task at ${task.origin.file}:${task.origin.line})`, { file: template.path, line: use.line });
    }
  }
}

function definedBy(task: ModuleTask): string[] {
  return [
    ...Object.keys(task.vars),
    ...Object.keys(task.role?.defaults ?? {}),
    ...Object.keys(task.role?.vars ?? {}),
    ...(task.register ? [task.register] : []),
    ...(task.loop !== undefined ? [task.loopVar] : []),
    ...(task.module === 'set_fact' ? Object.keys(task.args) : []),
  ];
}

function referencedBy(task: ModuleTask, origin: Origin): string[] {
  const conditions = [task.when, task.changedWhen, task.failedWhen, task.until].flatMap((list) => list ?? []);
  try {
    const conditionNames = (condition: string) => expressionNames(singleMustache(condition) ?? condition, { condition: true });
    return [...strings([task.args, task.loop, task.delegateTo]).flatMap(templateNames), ...conditions.flatMap(conditionNames)];
  } catch (err) {
    throw new PlaybookError(err instanceof ExpressionError ? err.message : String(err), origin);
  }
}

function templateOf(task: ModuleTask, playbookDir: string): { path: string; uses: ReturnType<typeof templateFileNames> } | undefined {
  const src = task.args.src;
  if (task.module !== 'template' || typeof src !== 'string' || isTemplated(src)) return undefined;
  const path = resolveLocal(src, 'templates', task.role?.path, playbookDir);
  if (!existsSync(path)) return undefined;
  try {
    return { path, uses: templateFileNames(readFileSync(path, 'utf8'), path) };
  } catch (err) {
    if (err instanceof TemplateError) throw new PlaybookError(err.detail, { file: path, line: err.line ?? 1 });
    const message = (err as Error).message;
    const line = Number(/line (\d+)/.exec(message)?.[1] ?? 1);
    throw new PlaybookError(`template syntax: ${message.split('\n').slice(-1)[0]}`, { file: path, line });
  }
}

/** The `{{ }}` of variables name only filters, tests and lookups play has (their names are judged where they are used). */
function checkVarExpressions(vars: Readonly<Record<string, unknown>>, fallback: Origin): void {
  for (const [name, value] of Object.entries(vars)) {
    try {
      strings(value).forEach(templateNames);
    } catch (err) {
      if (err instanceof ExpressionError) throw new PlaybookError(`variable '${name}': ${err.message}`, locate(vars, name) ?? fallback);
      throw err;
    }
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function hasDynamicInclude(nodes: readonly TaskNode[]): boolean {
  return nodes.some((node) => {
    if (node.kind === 'include_role') return true;
    if (node.kind === 'include_tasks') return isTemplated(node.file);
    return node.kind === 'block' && [node.block, node.rescue, node.always].some(hasDynamicInclude);
  });
}
