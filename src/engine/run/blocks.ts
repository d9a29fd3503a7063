import { unsafeData } from '../../data/unsafe-text';
import { hostFailureEvent, taskStartEvent } from '../output/results';
import { loadIncludedRole, loadIncludedTasks } from '../playbook/playbook-loader';
import { resolveTaskFile } from '../playbook/task-parser';
import type { BlockTask, Handler, IncludeRole, IncludeTasks, MetaTask, TaskNode } from '../playbook/types';
import { allHold, loopItems, render } from './evaluate';
import { addRoleHandlers } from './handlers';
import { applyFailureRules, flushHandlers, runTask } from './linear-strategy';
import type { RunState } from './run-state';
import { startsHere } from './start-at';
import { shouldRun } from '../playbook/tags';
import { taskVars } from './task-vars';

/**
 * The task list as a tree: a module task goes to the strategy, everything else is resolved
 * here: block/rescue/always, include_tasks and include_role (loaded when reached, per host),
 * and meta.
 */

/** The nodes in order, each on the hosts still active, until the play halts. */
export async function runNodes(run: RunState, nodes: readonly TaskNode[], hosts: readonly string[]): Promise<void> {
  const cursor = { nodes, index: 0 };
  run.probes.cursors.push(cursor);
  try {
    for (; cursor.index < nodes.length; cursor.index++) {
      const active = run.active(hosts);
      if (active.length === 0 || run.halted()) return;
      await runNode(run, nodes[cursor.index], active);
    }
  } finally {
    run.probes.cursors.pop();
  }
}

async function runNode(run: RunState, node: TaskNode, hosts: string[]): Promise<void> {
  if (run.skipUntil !== undefined && node.kind !== 'block') {
    if (!startsHere(node, run.skipUntil)) return;
    run.skipUntil = undefined;
  }
  switch (node.kind) {
    case 'module':
      if (shouldRun(node.tags, run.options.tags)) await runTask(run, node, hosts, false);
      return;
    case 'block':
      return runBlock(run, node, hosts);
    case 'include_tasks':
      return runIncludeTasks(run, node, hosts);
    case 'include_role':
      return runIncludeRole(run, node, hosts);
    case 'meta':
      return runMeta(run, node, hosts);
  }
}

/** block, then rescue for the hosts that failed in it, then always for every host that entered. */
async function runBlock(run: RunState, block: BlockTask, hosts: string[]): Promise<void> {
  const { states } = run;
  const hasRescue = block.rescue.length > 0;
  const hasAlways = block.always.length > 0;
  await guarded(run, hasRescue || hasAlways, () => runNodes(run, block.block, hosts));
  const failed = hosts.filter((host) => states.get(host).failed);
  if (hasRescue && failed.length > 0 && !run.halted()) {
    for (const host of failed) {
      const state = states.get(host);
      state.failed = false;
      state.stats.failed--;
      state.stats.rescued++;
    }
    await guarded(run, hasAlways, () => runNodes(run, block.rescue, failed));
  }
  if (hasAlways && !run.halted()) {
    // always runs for hosts that failed in the block too; they stay failed unless always itself fails them again
    const stillFailed = hosts.filter((host) => states.get(host).failed && !states.get(host).unreachable);
    for (const host of stillFailed) states.get(host).failed = false;
    await runNodes(run, block.always, hosts);
    for (const host of stillFailed) states.get(host).failed = true;
  }
  applyFailureRules(run, run.batch, hosts.filter((host) => states.get(host).failed));
}

/** While a failure may still be rescued (or always must still run), the failure rules wait. */
async function guarded(run: RunState, guard: boolean, work: () => Promise<void>): Promise<void> {
  if (guard) run.guardedBlocks++;
  try {
    await work();
  } finally {
    if (guard) run.guardedBlocks--;
  }
}

/**
 * Hosts that include the same file with the same loop item run its tasks together, as one list.
 * A loop's items were rendered with the loop (often from a registered result): as variables they
 * are values, never rendered again.
 */
async function runIncludeTasks(run: RunState, node: IncludeTasks, hosts: string[]): Promise<void> {
  const fail = failer(run, node);
  const groups = new Map<string, { path: string; item: unknown; hosts: string[] }>();
  for (const host of hosts) {
    const vars = taskVars(run.vars, host, node);
    try {
      const items = node.loop === undefined ? [undefined] : loopItems(node, vars, node.origin, 'include_tasks');
      for (const item of items) {
        const itemVars = node.loop === undefined ? vars : { ...vars, [node.loopVar]: unsafeData(item) };
        if (!allHold(node.when, itemVars, node.origin)) continue;
        const path = resolveTaskFile(node.baseDir, render(node.file, itemVars, node.origin));
        const key = JSON.stringify([path, item]);
        const group = groups.get(key) ?? { path, item, hosts: [] };
        group.hosts.push(host);
        groups.set(key, group);
      }
    } catch (err) {
      fail(host, err);
    }
  }
  for (const group of groups.values()) {
    let tasks: TaskNode[];
    try {
      // A looped include's tasks see its item as a variable of their own: loaded for each item.
      tasks =
        node.loop === undefined
          ? run.includedTasks(node, group.path)
          : loadIncludedTasks(group.path, { ...node, when: [], vars: { ...node.vars, [node.loopVar]: unsafeData(group.item) } }, run.playbook.dir, run.options.loadOptions);
    } catch (err) {
      for (const host of group.hosts) fail(host, err);
      continue;
    }
    await runNodes(run, tasks, group.hosts);
  }
}

/** Hosts whose role name renders the same run that role's tasks together; its handlers join the play's. */
async function runIncludeRole(run: RunState, node: IncludeRole, hosts: string[]): Promise<void> {
  const fail = failer(run, node);
  const byRole = new Map<string, string[]>();
  for (const host of hosts) {
    try {
      const vars = taskVars(run.vars, host, node);
      if (!allHold(node.when, vars, node.origin)) continue;
      const role = render(node.roleName, vars, node.origin);
      byRole.set(role, [...(byRole.get(role) ?? []), host]);
    } catch (err) {
      fail(host, err);
    }
  }
  for (const [role, roleHosts] of byRole) {
    let loaded: { tasks: TaskNode[]; handlers: Handler[] };
    try {
      loaded = loadIncludedRole(
        { name: role, tasksFrom: node.tasksFrom, params: node.roleVars, inherited: { ...node, when: [] }, origin: node.origin },
        run.playbook.dir,
        run.options.loadOptions,
      );
    } catch (err) {
      for (const host of roleHosts) fail(host, err);
      continue;
    }
    addRoleHandlers(run, loaded.handlers);
    await runNodes(run, loaded.tasks, roleHosts);
  }
}

async function runMeta(run: RunState, node: MetaTask, hosts: string[]): Promise<void> {
  if (node.tags.length > 0 && !shouldRun(node.tags, run.options.tags)) return;
  const applies = hosts.filter((host) => allHold(node.when, taskVars(run.vars, host, node), node.origin));
  switch (node.action) {
    case 'flush_handlers':
      return flushHandlers(run, hosts);
    case 'end_play':
      if (applies.length > 0) run.playHalted = true;
      return;
    case 'end_host':
      for (const host of applies) run.states.get(host).ended = true;
      return;
    case 'clear_facts':
      for (const host of applies) run.states.get(host).facts = undefined;
      return;
    case 'noop':
      return;
  }
}

/** Fails hosts for an include that could not be loaded or resolved; the task header is printed once. */
function failer(run: RunState, node: TaskNode): (host: string, err: unknown) => void {
  const task = node.name ?? node.kind;
  let announced = false;
  return (host, err) => {
    const message = err instanceof Error ? err.message : String(err);
    const state = run.states.get(host);
    state.failed = true;
    state.stats.failed++;
    if (!announced) {
      run.options.reporter.emit(taskStartEvent(node, task, false));
      announced = true;
    }
    run.options.reporter.emit(hostFailureEvent(task, host, message));
  };
}
