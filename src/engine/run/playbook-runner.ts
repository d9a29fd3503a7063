import type { HostStats } from '../output/events';
import type { Play, Playbook } from '../playbook/types';
import { makeBatches } from './batches';
import { runNodes } from './blocks';
import { gatherFacts } from './facts';
import { flushHandlers } from './linear-strategy';
import { RunState, type RunOptions } from './run-state';
import { holdsStartTask } from './start-at';

/**
 * The runner's entry: the plays in order, each in `serial` batches, each batch through its
 * sections (pre_tasks, roles and tasks, post_tasks) with handlers flushed after each; then the
 * recap and Ansible's exit code. The parts: blocks.ts (the task tree), linear-strategy.ts (a
 * task across the batch), handlers.ts, facts.ts, host-results.ts (what an outcome does to a
 * host) and ../output/results.ts (what the reporters are shown).
 */

export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
  interrupted: boolean;
}

export const EXIT = { ok: 0, error: 1, failed: 2, unreachable: 4, interrupted: 99 } as const;

/** Ansible's linear strategy: each task on every host of the batch (at most --forks at a time) before the next task. */
export async function runPlaybook(playbook: Playbook, options: RunOptions): Promise<RunSummary> {
  const run = new RunState(playbook, options);
  warmConnections(playbook, options);
  for (const play of playbook.plays) {
    if (run.runHalted || options.interrupt.requested) break;
    await runPlay(run, play);
  }
  const stats = run.states.stats();
  const interrupted = options.interrupt.requested;
  options.reporter.emit({ type: 'round_trips', hosts: run.probes.counts() });
  options.reporter.emit({ type: 'recap', stats, elapsedMs: Date.now() - run.started, interrupted });
  return { stats, interrupted, exitCode: exitCodeOf(stats, interrupted) };
}

/** Every host the run's plays select (as --limit leaves them), connected in the background from the start. */
function warmConnections(playbook: Playbook, options: RunOptions): void {
  const hosts = new Set(playbook.plays.flatMap((play) => options.inventory.select(play.hosts)).filter((host) => !options.limit || options.limit.has(host)));
  for (const host of hosts) options.connections.warm(host, options.inventory.hostVars(host));
}

/** Ansible's exit codes: 4 when a host was unreachable (wins), 2 when one failed, 99 when interrupted. */
export function exitCodeOf(stats: Record<string, HostStats>, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  const all = Object.values(stats);
  if (all.some((s) => s.unreachable > 0)) return EXIT.unreachable;
  if (all.some((s) => s.failed > 0)) return EXIT.failed;
  return EXIT.ok;
}

async function runPlay(run: RunState, play: Play): Promise<void> {
  const { options, states } = run;
  run.play = play;
  run.handlers = [...play.handlers];
  run.playHalted = false;
  const hosts = options.inventory
    .select(play.hosts)
    .filter((host) => !options.limit || options.limit.has(host))
    .filter((host) => states.get(host).active);
  options.reporter.emit({ type: 'play_start', name: play.name, hosts });
  if (hosts.length === 0) {
    options.reporter.emit({ type: 'no_hosts', play: play.name });
    return;
  }
  const startAt = run.startAt;
  if (startAt !== undefined) {
    // a play before the one that holds the task is skipped whole, facts included
    if (!play.sections.some((section) => holdsStartTask(section, startAt))) return;
    run.startAt = undefined;
  }
  for (const batch of makeBatches(hosts, play.serial)) {
    if (run.playHalted || options.interrupt.requested) break;
    run.skipUntil = startAt;
    await runBatch(run, play, batch, hosts);
  }
  // end_host lasts for the play only
  for (const state of states.all()) state.ended = false;
}

async function runBatch(run: RunState, play: Play, batch: string[], playHosts: string[]): Promise<void> {
  const { options } = run;
  run.batch = batch;
  run.vars = {
    play,
    playbookDir: run.playbook.dir,
    inventoryVars: (host) => options.inventory.hostVars(host),
    groups: options.inventory.groups(),
    extraVars: options.extraVars,
    states: run.states,
    playHosts,
    batch,
    check: options.check,
    diff: options.diff,
  };
  if (play.gatherFacts) await gatherFacts(run, play, batch);
  for (const section of play.sections) {
    if (run.halted()) break;
    await runNodes(run, section, batch);
    await flushHandlers(run, batch);
  }
}
