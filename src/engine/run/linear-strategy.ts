import { taskStartEvent } from '../output/results';
import type { ModuleTask } from '../playbook/types';
import type { Vars } from '../../data/vars';
import { exceedsMaxFail } from './batches';
import { render } from './evaluate';
import { dueHandlers } from './handlers';
import { applyOutcome, recordOutcome, reportResult } from './host-results';
import { mapLimit } from './limit';
import type { RunState } from './run-state';
import { executeModuleTask, type HostOutcome, type TaskHostEnv } from './task-executor';
import { fitsBatch, prefetch, runWithUpcoming } from './probe-batch';
import { ProbeCacheConnection } from './probe-cache';
import type { BatchOperation } from '../../transport/batch-script';
import type { RunResult } from '../../transport/connection';
import type { ModuleDefinition } from '../../modules/module';
import { taskVars } from './task-vars';
import { flagValue, withFlags, type FlaggedTask } from './flags';

/**
 * Ansible's linear strategy: each task on every host of the batch, at most --forks at a time,
 * before the next task starts; then the failure rules decide whether the play goes on.
 */

/** One task on the given hosts, in parallel up to --forks; results are reported as each host finishes. */
export async function runTask(run: RunState, task: ModuleTask, hosts: string[], handler: boolean): Promise<void> {
  const { reporter } = run.options;
  const title = task.name ?? task.module;
  reporter.emit(taskStartEvent(task, title, handler));
  const started = Date.now();
  // run_once: the first host runs it, and its result counts for the whole batch (Ansible reports that host only);
  // a templated run_once is decided with that first host's variables
  const runOnce = hosts.length > 0 && runOnceFor(run, task, hosts[0]);
  const runners = runOnce ? hosts.slice(0, 1) : hosts;
  const running = new Set(runners);
  const ticker = setInterval(
    () => reporter.emit({ type: 'task_progress', task: title, running: [...running], elapsedMs: Date.now() - started }),
    run.options.progressIntervalMs ?? 1000,
  );
  ticker.unref();
  const failedBefore = new Set(hosts.filter((host) => run.states.get(host).failed));
  try {
    await mapLimit(runners, run.options.forks, async (host) => {
      const { flagged, outcome } = await runOnHost(run, task, host, title, handler);
      running.delete(host);
      recordOutcome(run, flagged, host, title, outcome);
      if (runOnce && !outcome.unreachable) {
        for (const other of hosts.filter((h) => h !== host)) applyOutcome(run, flagged, run.states.get(other), title, outcome);
      }
    });
  } finally {
    clearInterval(ticker);
  }
  if (!handler) applyFailureRules(run, run.batch, hosts.filter((host) => run.states.get(host).failed && !failedBefore.has(host)));
}

/** The handlers notified on these hosts, run as tasks (handlers.ts decides which, in what order). */
export async function flushHandlers(run: RunState, hosts: readonly string[]): Promise<void> {
  for (const due of dueHandlers(run, hosts)) await runTask(run, due.handler, due.hosts, true);
}

/**
 * any_errors_fatal (any new failure), max_fail_percentage (exceeded, per batch) and a batch
 * with no host left all stop the play, and the run: later batches and plays are not started.
 * Inside a block with rescue or always the rules wait for those to run.
 */
export function applyFailureRules(run: RunState, batch: readonly string[], newlyFailed: readonly string[]): void {
  if (run.guardedBlocks > 0) return;
  const lost = batch.filter((host) => {
    const state = run.states.get(host);
    return state.failed || state.unreachable;
  });
  const stop =
    (run.play.anyErrorsFatal && newlyFailed.length > 0) ||
    exceedsMaxFail(lost.length, batch.length, run.play.maxFailPercentage) ||
    (lost.length === batch.length && batch.length > 0);
  if (stop) {
    run.playHalted = true;
    run.runHalted = true;
  }
}

function runOnceFor(run: RunState, task: ModuleTask, host: string): boolean {
  try {
    return flagValue(task.runOnce, 'run_once', taskVars(run.vars, host, task), task.origin) === true;
  } catch {
    // the task fails on that host with the same message, when its flags are decided
    return false;
  }
}

/** The task as it ran on the host (its templated flags decided), and its outcome. */
async function runOnHost(run: RunState, task: ModuleTask, host: string, title: string, handler: boolean): Promise<{ flagged: FlaggedTask; outcome: HostOutcome }> {
  const vars = taskVars(run.vars, host, task);
  let flagged: FlaggedTask;
  try {
    flagged = withFlags(task, vars);
  } catch (err) {
    return { flagged: { ...task, become: undefined, ignoreErrors: undefined, noLog: undefined, runOnce: undefined }, outcome: failedOutcome(err) };
  }
  return { flagged, outcome: await runFlagged(run, flagged, host, title, vars, handler) };
}

async function runFlagged(run: RunState, task: FlaggedTask, host: string, title: string, vars: Vars, handler: boolean): Promise<HostOutcome> {
  const { options } = run;
  const state = run.states.get(host);
  const module = options.module(task.module);
  try {
    if (!module) throw new Error(`unknown module '${task.module}'`);
    const delegate = task.delegateTo ? String(render(task.delegateTo, vars, task.origin)) : undefined;
    const target = delegate ?? host;
    const targetVars = withRemoteUser(delegate ? options.inventory.hostVars(delegate) : vars, task.remoteUser && String(render(task.remoteUser, vars, task.origin)));
    const conn = options.connections.forHost(target, targetVars);
    const cache = run.probes.cache(target);
    const envFor = (of: ModuleDefinition, itsVars: Vars, upcoming?: (op: BatchOperation & { kind: 'run' }) => Promise<RunResult>): TaskHostEnv => ({
      host,
      vars: itsVars,
      module: of,
      conn: new ProbeCacheConnection(conn, cache, upcoming),
      reconnect: options.connections.reconnect(target, targetVars),
      check: options.check,
      diff: options.diff,
      facts: state.facts,
      playbookDir: run.playbook.dir,
      secrets: options.secrets,
      vault: options.loadOptions.vault,
      onItem: (item) => reportResult(run, task, host, title, item, task.ignoreErrors === true && item.status === 'failed', delegate),
    });
    // Handlers almost always change the host: what would be gathered after them would be dropped unused.
    if (!handler) await prefetch(run, task, host, vars, conn, envFor);
    // A module that cannot say what it does may take its time (pause) or act by other ways than
    // this connection: answers gathered before it are not trusted after it.
    if (!module.probe) cache.drop();
    // The task's last command may carry the probes of the tasks after it (one round trip for both).
    const upcoming = handler || !fitsBatch(task) || task.loop !== undefined ? undefined : (op: BatchOperation & { kind: 'run' }) => runWithUpcoming(run, host, envFor, conn, cache, op);
    try {
      return await executeModuleTask(task, envFor(module, vars, upcoming));
    } finally {
      // a batch's failure is this task's to meet; a later task tries the host again
      cache.takeFailure();
    }
  } catch (err) {
    return failedOutcome(err);
  }
}

function failedOutcome(err: unknown): HostOutcome {
  const msg = (err as Error).message;
  return { status: 'failed', result: { changed: false, failed: true, msg }, failure: { msg }, diffs: [], noLog: false };
}

/** remote_user is the login when the host sets no ansible_user: in Ansible the variable wins over the keyword. */
function withRemoteUser(vars: Vars, remoteUser: string | undefined): Vars {
  return remoteUser === undefined || vars.ansible_user !== undefined ? vars : { ...vars, ansible_user: remoteUser };
}
