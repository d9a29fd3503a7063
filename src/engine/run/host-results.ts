import { unsafeData } from '../../data/unsafe-text';
import type { Vars } from '../../data/vars';
import { hostResultEvent } from '../output/results';
import type { FlaggedTask } from './flags';
import { notify } from './handlers';
import type { HostState } from './host-state';
import type { RunState } from './run-state';
import type { HostOutcome, ItemOutcome } from './task-executor';

/**
 * What one task's outcome does to a host: its counters, its state, its variables (register,
 * set_fact, setup), its notifications, and its result line.
 *
 * A result enters the host's variables here, and enters as data (`!unsafe`): what a module
 * returns is what the host said (a file's content, a web page, a directory name), and a `{{ }}`
 * in it must stay text, or the host could make the controller render
 * `{{ lookup('file', ...) }}` or `{{ lookup('env', ...) }}` and read them.
 */

/** Counters, host state, register, set_fact/setup results, notifications, then the report line. */
export function recordOutcome(run: RunState, task: FlaggedTask, host: string, title: string, outcome: HostOutcome): void {
  const state = run.states.get(host);
  const { stats } = state;
  if (outcome.unreachable) {
    state.unreachable = true;
    stats.unreachable++;
    reportResult(run, task, host, title, outcome);
    return;
  }
  const ignored = outcome.status === 'failed' && task.ignoreErrors === true;
  const failed = applyOutcome(run, task, state, title, outcome);
  if (outcome.status === 'skipped') {
    stats.skipped++;
  } else if (!failed) {
    stats.ok++;
    if (outcome.result.changed === true) stats.changed++;
    if (ignored) stats.ignored++;
  }
  // a loop's items were reported as they finished; only a failed loop gets its own closing line
  if (!outcome.items || outcome.status === 'failed') reportResult(run, task, host, title, outcome, ignored);
}

/**
 * What a result does to a host: register, failure (counted), set_fact/setup facts, notifications.
 * Also applied to every host a run_once task ran for, as Ansible does. Returns whether the host failed.
 */
export function applyOutcome(run: RunState, task: FlaggedTask, state: HostState, title: string, outcome: HostOutcome): boolean {
  if (task.register) state.hostFacts[task.register] = unsafeData(outcome.result);
  const failed = outcome.status === 'failed' && task.ignoreErrors !== true;
  if (failed) {
    state.stats.failed++;
    state.failed = true;
    state.hostFacts.ansible_failed_result = unsafeData(outcome.result);
    state.hostFacts.ansible_failed_task = { name: title, module: task.module };
  }
  // a loop's items each bring their facts, as Ansible's strategy applies them (include_vars with with_first_found)
  const itemResults = Array.isArray(outcome.result.results) ? (outcome.result.results as Vars[]) : [outcome.result];
  if (outcome.status !== 'failed') for (const result of itemResults) applyResultFacts(task, state, result);
  if (outcome.status === 'changed') notify(run, task, state);
  return failed;
}

/**
 * set_fact's values become host facts; setup's result is the host's facts (kept as the host sent
 * them, for the modules that read them, and made data where they become variables: factVars).
 * set_fact's values were rendered when the task ran, so they are values now, which also keeps an
 * `!unsafe` value unsafe; include_vars' come from the controller's vars files, templates like
 * those of any vars file.
 */
function applyResultFacts(task: FlaggedTask, state: HostState, result: Vars): void {
  const facts = result.facts ?? result.ansible_facts;
  if (!facts || typeof facts !== 'object') return;
  if (task.module === 'setup') state.facts = facts as Vars;
  else if (task.module === 'include_vars') Object.assign(state.hostFacts, facts);
  else {
    Object.assign(state.hostFacts, unsafeData(facts));
    // A facts module's (package_facts, service_facts) are host facts as Ansible keeps them: ansible_facts.<name> too.
    if (task.module !== 'set_fact') state.facts = { ...(state.facts ?? {}), ...(facts as Vars) };
  }
}

/** The result line of a host (or of one loop item, as it finishes). */
export function reportResult(run: RunState, task: FlaggedTask, host: string, title: string, outcome: ItemOutcome, ignored = false, delegate?: string): void {
  run.options.reporter.emit(hostResultEvent(task, host, title, outcome, run.options, ignored, delegate));
}
