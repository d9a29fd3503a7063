import { PlaybookError } from './errors';
import { isTemplated } from '../../lang/templates';
import { resolveTaskFile } from './task-parser';
import type { Handler, Inherited, ModuleTask, Play, TaskNode } from './types';

/** Every module task of a list, through blocks; include_tasks files that are not templated are read through `include`. */
export function* moduleTasks(nodes: readonly TaskNode[], include?: (path: string, inherited: Inherited) => TaskNode[]): Generator<ModuleTask> {
  for (const node of nodes) {
    if (node.kind === 'module') yield node;
    else if (node.kind === 'block') {
      for (const list of [node.block, node.rescue, node.always]) yield* moduleTasks(list, include);
    } else if (node.kind === 'include_tasks' && include && !isTemplated(node.file)) {
      // the included tasks see the include's loop variable (its value is only known at run time)
      const inherited = node.loop === undefined ? node : { ...node, vars: { ...node.vars, [node.loopVar]: null } };
      yield* moduleTasks(include(resolveTaskFile(node.baseDir, node.file), inherited), include);
    }
  }
}

/** The handlers a notify name reaches: by name, by `role : name`, or by a listen topic. */
export function handlersFor(handlers: readonly Handler[], name: string): Handler[] {
  return handlers.filter((handler) => handler.triggers.includes(name));
}

/**
 * A notify that reaches no handler is an error at load time (Ansible only finds out when the task
 * changes, which may be in production). Statically named include_tasks files are read for it too,
 * so their syntax errors also surface before any host is contacted.
 */
export function checkNotifications(play: Play, include: (path: string, inherited: Inherited) => TaskNode[]): void {
  const tasks = [...play.sections.flatMap((section) => [...moduleTasks(section, include)]), ...play.handlers];
  for (const task of tasks) {
    for (const name of task.notify) {
      if (isTemplated(name) || handlersFor(play.handlers, name).length > 0) continue;
      const known = play.handlers.flatMap((h) => h.triggers);
      throw new PlaybookError(
        `notify: no handler named or listening to '${name}' in play '${play.name}'${known.length ? ` (handlers: ${known.join(', ')})` : ''}`,
        task.origin,
      );
    }
  }
}
