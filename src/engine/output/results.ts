import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../../modules/module';
import type { Vars } from '../../data/vars';
import type { ModuleTask, TaskNode } from '../playbook/types';
import type { ItemOutcome, RunEvent } from './events';

/**
 * A task's outcome as the reporters get it: what no_log hides, what -v and --diff add. Shaped
 * here, once, so human and JSON output cannot disagree on what is shown.
 */

const NO_LOG_NOTICE = { censored: "the output has been hidden due to 'no_log: true' for this result" };

/** The run's display settings a result is shaped by. */
export interface ResultDisplay {
  /** --diff (a task's own `diff:` wins). */
  diff: boolean;
  /** The -v count. */
  verbosity: number;
}

export function taskStartEvent(node: TaskNode, name: string, handler: boolean): RunEvent {
  return { type: 'task_start', name, role: node.role?.name, handler, origin: `${node.origin.file}:${node.origin.line}` };
}

/** One host's (or one loop item's) result line. */
export function hostResultEvent(
  task: ModuleTask,
  host: string,
  title: string,
  outcome: ItemOutcome,
  display: ResultDisplay,
  ignored = false,
  delegate?: string,
): RunEvent {
  const showDiff = (task.diff ?? display.diff) && outcome.diffs.length > 0;
  return {
    type: 'host_result',
    task: title,
    host,
    status: outcome.status,
    item: outcome.noLog ? (outcome.item === undefined ? undefined : '(censored)') : outcome.item,
    ignored: ignored || undefined,
    delegatedTo: delegate ?? (task.delegateTo && !task.delegateTo.includes('{{') ? task.delegateTo : undefined),
    failure: outcome.failure && (outcome.noLog ? { msg: NO_LOG_NOTICE.censored } : outcome.failure),
    diffs: showDiff ? diffTexts(outcome.diffs, outcome.noLog) : undefined,
    result: shownResult(task, outcome, display.verbosity),
  };
}

/** A host failed by something that is not a module result (an include that could not be loaded). */
export function hostFailureEvent(task: string, host: string, message: string): RunEvent {
  return { type: 'host_result', task, host, status: 'failed', failure: { msg: message } };
}

/** -v shows every result; a failure and a debug task show theirs always (debug's is its message). */
function shownResult(task: ModuleTask, outcome: ItemOutcome, verbosity: number): Vars | undefined {
  if (outcome.noLog) return NO_LOG_NOTICE;
  const verbose = verbosity > 0;
  if (task.module === 'debug' && outcome.status === 'ok' && !verbose) {
    const { changed: _changed, failed: _failed, verbosity: wanted, ...shown } = outcome.result;
    return Number(wanted ?? 0) > verbosity ? undefined : shown;
  }
  if (!verbose && outcome.status !== 'failed') return undefined;
  // file contents are shown only as --diff shows them (and hidden when secret), never raw in a result
  const { diff: _diff, ...shown } = outcome.result;
  return shown;
}

/**
 * Unified diffs for --diff. A secret file (no_log, vault-derived content) shows that it changes,
 * never how: the content would leak through the diff even when every line is redacted.
 */
function diffTexts(diffs: readonly FileDiff[], hideAll: boolean): string[] {
  return diffs.map((d) => {
    if (hideAll || d.secret) return `--- ${d.path}\n+++ ${d.path}\n(content hidden: the task is no_log or the file holds secrets)`;
    return createTwoFilesPatch(d.path, d.path, d.before, d.after, 'before', 'after', { context: 3 }).replace(/^Index: .*\n=+\n/, '');
  });
}
