import type { Handler, ModuleTask } from '../playbook/types';
import { handlersFor } from '../playbook/validate';
import type { HostState } from './host-state';
import type { RunState } from './run-state';

/**
 * Handlers: which a changed task notifies, and which run at a flush, in what order, on which
 * hosts. Running them is the strategy's (a handler is a task), so this file decides and the
 * strategy executes: see flushHandlers in linear-strategy.ts.
 */

/** A changed result notifies the task's handlers on that host (by name, `role : name` or listen). */
export function notify(run: RunState, task: ModuleTask, state: HostState): void {
  for (const name of task.notify) for (const handler of handlersFor(run.handlers, name)) state.notified.add(handler);
}

/** The handlers of a role include_role brought in, so its tasks can notify them. */
export function addRoleHandlers(run: RunState, handlers: readonly Handler[]): void {
  // the same role included again brings the same handlers: keep one of each, or a notify would run it twice
  const known = new Set(run.handlers.map(handlerKey));
  run.handlers.push(...handlers.filter((handler) => !known.has(handlerKey(handler))));
}

/**
 * The handlers a flush runs, each with its hosts, in definition order, each once per notified
 * host; a handler may notify a later one, so the list is gone through again while any ran.
 * Each is yielded when the one before has run (the caller runs it before asking for the next),
 * so what it notified is seen and a Ctrl-C stops the flush between handlers.
 */
export function* dueHandlers(run: RunState, hosts: readonly string[]): Generator<{ handler: Handler; hosts: string[] }> {
  const force = run.options.forceHandlers || run.play.forceHandlers === true;
  const eligible = (state: HostState) => state.active || (force && state.failed && !state.unreachable);
  for (let pass = 0; pass <= run.handlers.length; pass++) {
    let ran = false;
    for (const handler of run.handlers) {
      if (run.options.interrupt.requested) return;
      const targets = hosts.filter((host) => {
        const state = run.states.get(host);
        return state.notified.has(handler) && eligible(state);
      });
      if (targets.length === 0) continue;
      for (const host of targets) run.states.get(host).notified.delete(handler);
      ran = true;
      if (force) for (const host of targets) run.states.get(host).failed = false;
      yield { handler, hosts: targets };
    }
    if (!ran) return;
  }
}

function handlerKey(handler: Handler): string {
  return `${handler.origin.file}:${handler.origin.line}`;
}
