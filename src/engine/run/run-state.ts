import type { ModuleDefinition } from '../../modules/module';
import type { Redactor } from '../../data/redaction';
import type { Vars } from '../../data/vars';
import type { Reporter } from '../output/events';
import { StampedCache } from '../../base/file-stamp';
import { loadIncludedTasks, type PlaybookLoadOptions } from '../playbook/playbook-loader';
import type { Handler, IncludeTasks, Play, Playbook, TaskNode } from '../playbook/types';
import type { RunConnections } from './connections';
import { HostStates } from './host-state';
import { ProbeBatching } from './probe-batch';
import type { TagSelection } from '../playbook/tags';
import type { VarSources } from './task-vars';

/** The inventory as the runner uses it. */
export interface RunInventory {
  /** The hosts a play's pattern selects, in inventory order. */
  select(pattern: string): string[];
  /** Every group and its hosts (the `groups` magic variable). */
  groups(): Record<string, string[]>;
  hostVars(host: string): Vars;
}

export interface RunOptions {
  inventory: RunInventory;
  /** --limit: only these hosts (already resolved from the pattern or @file). */
  limit?: ReadonlySet<string>;
  extraVars: Vars;
  check: boolean;
  diff: boolean;
  forks: number;
  tags: TagSelection;
  forceHandlers: boolean;
  /** -v count: 1 adds every module result; debug tasks with a higher `verbosity` stay quiet. */
  verbosity: number;
  reporter: Reporter;
  connections: RunConnections;
  secrets: Redactor;
  module: (name: string) => ModuleDefinition | undefined;
  /** For include_tasks / include_role, loaded when reached. */
  loadOptions: PlaybookLoadOptions;
  /** Set on the first Ctrl-C: running tasks finish, nothing new starts, the recap is printed. */
  interrupt: { requested: boolean };
  progressIntervalMs?: number;
  /** --start-at-task: tasks before the first one with this name (or `role : name`) are skipped. */
  startAtTask?: string;
  /** Gather each stretch of tasks' probes in one round trip per host (probe-batch.ts); on unless false. */
  probeBatching?: boolean;
}

/**
 * Where a run is and what it knows: one object the runner's parts share (plays and batches,
 * blocks, the linear strategy, handlers, facts), so each part is a set of functions over it
 * rather than methods of one class that holds every job.
 */
export class RunState {
  readonly states = new HostStates();
  readonly started = Date.now();
  play!: Play;
  /** The play's handlers, and those of the roles include_role brought in since it started. */
  handlers: Handler[] = [];
  vars!: VarSources;
  batch: string[] = [];
  /** The play must stop (any_errors_fatal, max_fail_percentage, every host failed, end_play). */
  playHalted = false;
  /** The whole run must stop (the play stopped for a failure rule). */
  runHalted = false;
  /** Blocks with a rescue or always being run: a failure there may be rescued, and always must still run, so the failure rules wait. */
  guardedBlocks = 0;
  /** --start-at-task until the play that holds the task is reached. */
  startAt: string | undefined;
  /** --start-at-task within the current batch, until the task is reached. */
  skipUntil: string | undefined;
  readonly probes: ProbeBatching;
  private readonly included = new WeakMap<IncludeTasks, StampedCache<TaskNode[]>>();

  constructor(
    readonly playbook: Playbook,
    readonly options: RunOptions,
  ) {
    this.startAt = options.startAtTask;
    this.probes = new ProbeBatching(options.probeBatching !== false);
  }

  /**
   * The tasks an include without a loop loads from a file: loaded once per include and file for
   * every host that runs it and for the look-ahead of probe batching, and again once the file
   * changed (a play may write the file it includes).
   */
  includedTasks(node: IncludeTasks, path: string): TaskNode[] {
    let cache = this.included.get(node);
    if (!cache) this.included.set(node, (cache = new StampedCache()));
    return cache.get(path, () => loadIncludedTasks(path, { ...node, when: [] }, this.playbook.dir, this.options.loadOptions));
  }

  halted(): boolean {
    return this.playHalted || this.options.interrupt.requested;
  }

  active(hosts: readonly string[]): string[] {
    return hosts.filter((host) => this.states.get(host).active);
  }
}
