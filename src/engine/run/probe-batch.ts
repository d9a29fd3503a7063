import { randomBytes } from 'node:crypto';
import type { ModuleDefinition, ProbeRequest } from '../../modules/module';
import { batchAnswer, batchable, buildBatchScript, MAX_SEGMENT_BYTES, operationStarted, parseBatchFrames, segmentBytes, type BatchFrame, type BatchOperation } from '../../transport/batch-script';
import { TransportError, type Connection, type RunResult } from '../../transport/connection';
import { throwIfBecomeRefused } from '../../transport/shell-connection';
import { shouldRun } from '../playbook/tags';
import { resolveTaskFile } from '../playbook/task-parser';
import type { ModuleTask, TaskNode } from '../playbook/types';
import { allHold, render } from './evaluate';
import { withFlags, type FlaggedTask } from './flags';
import { planJointProbes } from './joint-plan';
import { keyOf, ProbeCache } from './probe-cache';
import type { RunState } from './run-state';
import { probeTask, type TaskHostEnv } from './task-executor';
import { taskVars } from './task-vars';
import type { Vars } from '../../data/vars';

/**
 * Batched probing: before a task runs on a host, the read-only operations of that task and of the
 * tasks after it (as far as they can be decided now) are sent in ONE command, under one sudo, and
 * their answers held (probe-cache.ts). Each module then runs exactly as it always does: its probes
 * are answered from what is held, and the first operation that is not (a change, a command) drops
 * everything held, so what follows is probed afresh. Looking ahead is only a guess: a task that
 * ends up not running, or runs with other arguments, just leaves answers unused; the results are
 * those of the one-task-at-a-time path whatever the guess.
 */

/** Operations in one batch at most; the script's size is bounded separately. */
const MAX_OPERATIONS = 400;

/** Where each list of nodes being run is, innermost last: the look-ahead starts after these. */
export interface NodeCursor {
  nodes: readonly TaskNode[];
  index: number;
}

export class ProbeBatching {
  private readonly caches = new Map<string, ProbeCache>();
  readonly cursors: NodeCursor[] = [];

  constructor(readonly enabled: boolean) {}

  cache(host: string): ProbeCache {
    let cache = this.caches.get(host);
    if (!cache) this.caches.set(host, (cache = new ProbeCache()));
    return cache;
  }

  /** Per host: batches sent, operations they answered, operations sent one by one. */
  counts(): Record<string, { batches: number; answered: number; sent: number }> {
    return Object.fromEntries([...this.caches].map(([host, cache]) => [host, { ...cache.counts }]));
  }
}

/** How the engine makes a task's environment on a host, for the tasks looked ahead at. */
export type EnvFor = (module: ModuleDefinition, vars: Vars) => TaskHostEnv;

/**
 * Gathers, in one round trip, what this task and the ones after it will probe on the host,
 * unless what this task needs is already held. `conn` is the host's own connection, not the
 * caching one: the batch itself must not count as an unanswered operation.
 */
export async function prefetch(run: RunState, task: FlaggedTask, host: string, vars: Vars, conn: Connection, envFor: EnvFor): Promise<void> {
  const batching = run.probes;
  const module = run.options.module(task.module);
  if (!batching.enabled || !module || !fitsBatch(task)) return;
  const first = probeTask(task, envFor(module, vars));
  const cache = batching.cache(host);
  if (first === undefined || first.every((op) => cache.has(op))) return;
  const ops = withUpcoming(run, host, envFor, first);
  // One operation is one round trip either way, and a batch's framing costs the host more.
  if (new Set(ops.map(keyOf)).size < 2) return;
  try {
    await gatherProbes(conn, cache, ops);
  } catch (err) {
    // The task's own first call is answered with this failure, as if it had met it itself: a host
    // that cannot be reached is not tried a second time (and waited for twice) by the same task.
    if (err instanceof TransportError && err.unreachable) cache.fail(err);
  }
}

/** `ops`, then the probes of the tasks after the current one on the host, as many as one batch carries. */
function withUpcoming(run: RunState, host: string, envFor: EnvFor, ops: readonly ProbeRequest[]): ProbeRequest[] {
  const all = [...ops];
  let bytes = segmentBytes(all);
  for (const next of upcomingTasks(run, host)) {
    const more = probeNext(run, next, host, envFor);
    if (more === undefined || !more.every(batchable) || all.length + more.length > MAX_OPERATIONS) break;
    bytes += segmentBytes(more);
    if (bytes > MAX_SEGMENT_BYTES) break;
    all.push(...more);
  }
  return all;
}

/**
 * For a task whose last operation is a command (command, shell): sends that command and, in the
 * same round trip, right after it, the probes of the tasks that follow, whose answers are held
 * (they see the host as the command left it). Returns the command's result, exactly as running it
 * alone would, or sends it alone when nothing follows. The command never runs twice: if the batch
 * did not reach it (its sudo refused), it is sent alone; if it started but its output came back cut
 * short, the task fails.
 */
export async function runWithUpcoming(run: RunState, host: string, envFor: EnvFor, conn: Connection, cache: ProbeCache, op: BatchOperation & { kind: 'run' }): Promise<RunResult> {
  const probes = run.probes.enabled && batchable(op) ? withUpcoming(run, host, envFor, [op]).slice(1) : [];
  if (probes.length === 0) return conn.run(op.command, op.options);
  const { output, nonce, leading } = await sendBatch(conn, cache, probes, op);
  if (leading === undefined) {
    if (operationStarted(output, nonce, 0)) throw new TransportError(conn.host, 'target', 'disconnected', 'the command ran, but the output that tells how it ended was cut short');
    // It never ran, so what the batch read may be stale once it does.
    cache.drop();
    return conn.run(op.command, op.options);
  }
  const result = { stdout: leading.stdout.toString('utf8'), stderr: leading.stderr.toString('utf8'), exitCode: leading.exitCode };
  throwIfBecomeRefused(conn.host, 'target', op.options, result.exitCode, result.stderr);
  return result;
}

/**
 * Sends the operations in one command and holds their answers (those a batch can give). An
 * operation several tasks make (the same file probed by each item of a loop) runs once; its
 * answer is held once for each of them.
 */
export async function gatherProbes(conn: Connection, cache: ProbeCache, ops: readonly ProbeRequest[]): Promise<void> {
  const wanted = ops.filter(batchable);
  if (wanted.length > 0) await sendBatch(conn, cache, wanted);
}

/**
 * One batch: `leading` (a task's command) if given, then each distinct probe once (those of one
 * family jointly: joint-plan.ts); the probes' answers are held (for as long as nothing else
 * happened since the batch began), and the leading operation's frames returned.
 */
async function sendBatch(conn: Connection, cache: ProbeCache, probes: readonly ProbeRequest[], leading?: BatchOperation): Promise<{ output: RunResult; nonce: string; leading?: BatchFrame }> {
  const unique = [...new Map(probes.map((op) => [keyOf(op), op])).values()];
  const plan = planJointProbes(unique);
  const ops = leading ? [leading, ...plan.sent] : plan.sent;
  const since = cache.generation;
  const nonce = randomBytes(16).toString('hex');
  const output = await conn.run('sh -s', { stdin: buildBatchScript(ops, nonce) });
  const frames = parseBatchFrames(output, nonce, ops.length);
  const first = leading ? 1 : 0;
  const sentAnswers = plan.sent.map((op, i) => {
    const frame = frames[first + i];
    return frame && batchAnswer(op, frame);
  });
  const uniqueAnswers = plan.answers(sentAnswers);
  const answers = new Map(unique.map((op, i) => [keyOf(op), uniqueAnswers[i]]));
  cache.store(probes, probes.map((op) => answers.get(keyOf(op))), since);
  return { output, nonce, leading: leading ? frames[0] : undefined };
}

/** Tasks whose probes may be gathered: not delegated, not once for all, not polled, not in the background. */
export function fitsBatch(task: FlaggedTask): boolean {
  return task.delegateTo === undefined && task.runOnce !== true && task.until === undefined && task.async === undefined;
}

function probeNext(run: RunState, task: ModuleTask, host: string, envFor: EnvFor): ProbeRequest[] | undefined {
  const module = run.options.module(task.module);
  if (!module?.probe) return undefined;
  let flagged: FlaggedTask;
  let vars: Vars;
  try {
    vars = taskVars(run.vars, host, task);
    flagged = withFlags(task, vars);
  } catch {
    return undefined;
  }
  return fitsBatch(flagged) ? probeTask(flagged, envFor(module, vars)) : undefined;
}

/**
 * The module tasks that come after the current one on this host, in order, through blocks and
 * include_tasks files (loaded when their condition can be decided now); it stops at what cannot
 * be foreseen: an include_role, a looped include, a meta task, --start-at-task still searching.
 */
function* upcomingTasks(run: RunState, host: string): Generator<ModuleTask> {
  if (run.skipUntil !== undefined) return;
  const cursors = run.probes.cursors;
  for (let level = cursors.length - 1; level >= 0; level--) {
    const { nodes, index } = cursors[level];
    for (const node of nodes.slice(index + 1)) {
      const more = yield* within(run, node, host);
      if (!more) return;
    }
  }
}

/** The node's module tasks for this host; false when what follows cannot be foreseen. */
function* within(run: RunState, node: TaskNode, host: string): Generator<ModuleTask, boolean> {
  switch (node.kind) {
    case 'module':
      if (shouldRun(node.tags, run.options.tags)) yield node;
      return true;
    case 'block':
      for (const child of [...node.block, ...node.always]) if (!(yield* within(run, child, host))) return false;
      return true;
    case 'include_tasks': {
      if (node.loop !== undefined) return false;
      let tasks: TaskNode[];
      try {
        const vars = taskVars(run.vars, host, node);
        if (!allHold(node.when, vars, node.origin)) return true;
        tasks = run.includedTasks(node, resolveTaskFile(node.baseDir, render(node.file, vars, node.origin)));
      } catch {
        return false;
      }
      for (const child of tasks) if (!(yield* within(run, child, host))) return false;
      return true;
    }
    case 'include_role':
    case 'meta':
      return false;
  }
}
