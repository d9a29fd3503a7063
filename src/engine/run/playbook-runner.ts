import type { ModuleDefinition } from '../../modules/module';
import { exceedsMaxFail, makeBatches } from './batches';
import type { HostStats, Reporter } from '../output/events';
import type { Redactor } from '../../data/redaction';
import { loadYamlFile } from '../../data/yaml-loader';
import { shouldRun, type TagSelection } from './tags';
import { loadIncludedRole, loadIncludedTasks, type PlaybookLoadOptions } from '../playbook/playbook-loader';
import { resolveTaskFile } from '../playbook/task-parser';
import type { BlockTask, Handler, IncludeRole, IncludeTasks, MetaTask, ModuleTask, Play, Playbook, TaskNode, Vars } from '../playbook/types';
import { handlersFor } from '../playbook/validate';
import type { RunConnections } from './connections';
import { diffTexts } from './diff-text';
import { allHold, loopItems, render } from './evaluate';
import { HostStates, type HostState } from './host-state';
import { mapLimit } from './limit';
import { executeModuleTask, type HostOutcome, type ItemOutcome } from './task-executor';
import { holdsStartTask, startsHere } from './start-at';
import { taskVars, type VarSources } from './task-vars';

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
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
  interrupted: boolean;
}

export const EXIT = { ok: 0, error: 1, failed: 2, unreachable: 4, interrupted: 99 } as const;

const NO_LOG_NOTICE = { censored: "the output has been hidden due to 'no_log: true' for this result" };

/** Ansible's linear strategy: each task on every host of the batch (at most --forks at a time) before the next task. */
export async function runPlaybook(playbook: Playbook, options: RunOptions): Promise<RunSummary> {
  const run = new PlaybookRun(playbook, options);
  return run.run();
}

class PlaybookRun {
  private readonly states = new HostStates();
  private readonly started = Date.now();
  private play!: Play;
  private handlers: Handler[] = [];
  private vars!: VarSources;
  private batch: string[] = [];
  /** The play must stop (any_errors_fatal, max_fail_percentage, every host failed, end_play). */
  private playHalted = false;
  /** The whole run must stop (the play stopped for a failure rule). */
  private runHalted = false;
  /** Blocks with a rescue or always being run: a failure there may be rescued, and always must still run, so the failure rules wait. */
  private guardedBlocks = 0;
  /** --start-at-task until the play that holds the task is reached. */
  private startAt: string | undefined;
  /** --start-at-task within the current batch, until the task is reached. */
  private skipUntil: string | undefined;

  constructor(
    private readonly playbook: Playbook,
    private readonly options: RunOptions,
  ) {
    this.startAt = options.startAtTask;
  }

  async run(): Promise<RunSummary> {
    for (const play of this.playbook.plays) {
      if (this.runHalted || this.options.interrupt.requested) break;
      await this.runPlay(play);
    }
    const stats = this.states.stats();
    const interrupted = this.options.interrupt.requested;
    this.options.reporter.emit({ type: 'recap', stats, elapsedMs: Date.now() - this.started, interrupted });
    return { stats, interrupted, exitCode: exitCodeOf(stats, interrupted) };
  }

  private async runPlay(play: Play): Promise<void> {
    this.play = play;
    this.handlers = [...play.handlers];
    this.playHalted = false;
    const hosts = this.options.inventory
      .select(play.hosts)
      .filter((host) => !this.options.limit || this.options.limit.has(host))
      .filter((host) => this.states.get(host).active);
    this.options.reporter.emit({ type: 'play_start', name: play.name, hosts });
    if (hosts.length === 0) {
      this.options.reporter.emit({ type: 'no_hosts', play: play.name });
      return;
    }
    const startAt = this.startAt;
    if (startAt !== undefined) {
      // a play before the one that holds the task is skipped whole, facts included
      if (!play.sections.some((section) => holdsStartTask(section, startAt))) return;
      this.startAt = undefined;
    }
    for (const batch of makeBatches(hosts, play.serial)) {
      if (this.playHalted || this.options.interrupt.requested) break;
      this.skipUntil = startAt;
      await this.runBatch(play, batch, hosts);
    }
    for (const state of this.states.all()) state.ended = false;
  }

  private async runBatch(play: Play, batch: string[], playHosts: string[]): Promise<void> {
    this.batch = batch;
    this.vars = {
      play,
      playbookDir: this.playbook.dir,
      inventoryVars: (host) => this.options.inventory.hostVars(host),
      groups: this.options.inventory.groups(),
      extraVars: this.options.extraVars,
      states: this.states,
      playHosts,
      batch,
      check: this.options.check,
      diff: this.options.diff,
    };
    if (play.gatherFacts) await this.gatherFacts(play, batch);
    for (const section of play.sections) {
      if (this.halted()) break;
      await this.runNodes(section, batch);
      await this.flushHandlers(batch);
    }
  }

  private halted(): boolean {
    return this.playHalted || this.options.interrupt.requested;
  }

  private active(hosts: readonly string[]): string[] {
    return hosts.filter((host) => this.states.get(host).active);
  }

  private async runNodes(nodes: readonly TaskNode[], hosts: readonly string[]): Promise<void> {
    for (const node of nodes) {
      const active = this.active(hosts);
      if (active.length === 0 || this.halted()) return;
      await this.runNode(node, active);
    }
  }

  private async runNode(node: TaskNode, hosts: string[]): Promise<void> {
    if (this.skipUntil !== undefined && node.kind !== 'block') {
      if (!startsHere(node, this.skipUntil)) return;
      this.skipUntil = undefined;
    }
    switch (node.kind) {
      case 'module':
        if (shouldRun(node.tags, this.options.tags)) await this.runTask(node, hosts, false);
        return;
      case 'block':
        return this.runBlock(node, hosts);
      case 'include_tasks':
        return this.runIncludeTasks(node, hosts);
      case 'include_role':
        return this.runIncludeRole(node, hosts);
      case 'meta':
        return this.runMeta(node, hosts);
    }
  }

  /** block, then rescue for the hosts that failed in it, then always for every host that entered. */
  private async runBlock(block: BlockTask, hosts: string[]): Promise<void> {
    const hasRescue = block.rescue.length > 0;
    const hasAlways = block.always.length > 0;
    await this.guarded(hasRescue || hasAlways, () => this.runNodes(block.block, hosts));
    const failed = hosts.filter((host) => this.states.get(host).failed);
    if (hasRescue && failed.length > 0 && !this.halted()) {
      for (const host of failed) {
        const state = this.states.get(host);
        state.failed = false;
        state.stats.failed--;
        state.stats.rescued++;
      }
      await this.guarded(hasAlways, () => this.runNodes(block.rescue, failed));
    }
    if (hasAlways && !this.halted()) {
      // always runs for hosts that failed in the block too; they stay failed unless always itself fails them again
      const stillFailed = hosts.filter((host) => this.states.get(host).failed && !this.states.get(host).unreachable);
      for (const host of stillFailed) this.states.get(host).failed = false;
      await this.runNodes(block.always, hosts);
      for (const host of stillFailed) this.states.get(host).failed = true;
    }
    this.applyFailureRules(this.batch, hosts.filter((host) => this.states.get(host).failed));
  }

  /** While a failure may still be rescued (or always must still run), the failure rules wait. */
  private async guarded(guard: boolean, work: () => Promise<void>): Promise<void> {
    if (guard) this.guardedBlocks++;
    try {
      await work();
    } finally {
      if (guard) this.guardedBlocks--;
    }
  }

  private async runIncludeTasks(node: IncludeTasks, hosts: string[]): Promise<void> {
    const fail = this.failer(node);
    const groups = new Map<string, { path: string; item: unknown; hosts: string[] }>();
    for (const host of hosts) {
      const vars = taskVars(this.vars, host, node);
      try {
        const items = node.loop === undefined ? [undefined] : loopItems(node, vars, node.origin);
        for (const item of items) {
          const itemVars = node.loop === undefined ? vars : { ...vars, [node.loopVar]: item };
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
      const vars = node.loop === undefined ? node.vars : { ...node.vars, [node.loopVar]: group.item };
      let tasks: TaskNode[];
      try {
        tasks = loadIncludedTasks(group.path, { ...node, when: [], vars }, this.playbook.dir, this.options.loadOptions);
      } catch (err) {
        for (const host of group.hosts) fail(host, err);
        continue;
      }
      await this.runNodes(tasks, group.hosts);
    }
  }

  private async runIncludeRole(node: IncludeRole, hosts: string[]): Promise<void> {
    const fail = this.failer(node);
    const byRole = new Map<string, string[]>();
    for (const host of hosts) {
      try {
        const vars = taskVars(this.vars, host, node);
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
          this.playbook.dir,
          this.options.loadOptions,
        );
      } catch (err) {
        for (const host of roleHosts) fail(host, err);
        continue;
      }
      // the same role included again brings the same handlers: keep one of each, or a notify would run it twice
      const known = new Set(this.handlers.map(handlerKey));
      this.handlers.push(...loaded.handlers.filter((handler) => !known.has(handlerKey(handler))));
      await this.runNodes(loaded.tasks, roleHosts);
    }
  }

  private async runMeta(node: MetaTask, hosts: string[]): Promise<void> {
    if (node.tags.length > 0 && !shouldRun(node.tags, this.options.tags)) return;
    const applies = hosts.filter((host) => allHold(node.when, taskVars(this.vars, host, node), node.origin));
    switch (node.action) {
      case 'flush_handlers':
        return this.flushHandlers(hosts);
      case 'end_play':
        if (applies.length > 0) this.playHalted = true;
        return;
      case 'end_host':
        for (const host of applies) this.states.get(host).ended = true;
        return;
      case 'clear_facts':
        for (const host of applies) this.states.get(host).facts = undefined;
        return;
      case 'noop':
        return;
    }
  }

  /** Handlers in definition order, each once per notified host; a handler may notify a later one. */
  private async flushHandlers(hosts: readonly string[]): Promise<void> {
    const force = this.options.forceHandlers || this.play.forceHandlers === true;
    const eligible = (state: HostState) => state.active || (force && state.failed && !state.unreachable);
    for (let pass = 0; pass <= this.handlers.length; pass++) {
      let ran = false;
      for (const handler of this.handlers) {
        if (this.options.interrupt.requested) return;
        const targets = hosts.filter((host) => {
          const state = this.states.get(host);
          return state.notified.has(handler) && eligible(state);
        });
        if (targets.length === 0) continue;
        for (const host of targets) this.states.get(host).notified.delete(handler);
        ran = true;
        if (force) for (const host of targets) this.states.get(host).failed = false;
        await this.runTask(handler, targets, true);
      }
      if (!ran) return;
    }
  }

  private async gatherFacts(play: Play, batch: string[]): Promise<void> {
    const needed = batch.filter((host) => this.states.get(host).facts === undefined);
    if (needed.length === 0 || !this.options.module('setup')) return;
    const setup: ModuleTask = {
      kind: 'module',
      name: 'Gathering Facts',
      origin: play.origin,
      module: 'setup',
      args: {},
      loopVar: 'item',
      notify: [],
      retries: 0,
      delaySeconds: 0,
      when: [],
      tags: ['always'],
      vars: {},
      checkMode: false,
    };
    await this.runTask(setup, needed, false);
  }

  /** One task on the given hosts, in parallel up to --forks; results are reported as each host finishes. */
  private async runTask(task: ModuleTask, hosts: string[], handler: boolean): Promise<void> {
    const { reporter } = this.options;
    const title = task.name ?? task.module;
    reporter.emit({ type: 'task_start', name: title, role: task.role?.name, handler, origin: `${task.origin.file}:${task.origin.line}` });
    const started = Date.now();
    // run_once: the first host runs it, and its result counts for the whole batch (Ansible reports that host only)
    const runners = task.runOnce ? hosts.slice(0, 1) : hosts;
    const running = new Set(runners);
    const ticker = setInterval(
      () => reporter.emit({ type: 'task_progress', task: title, running: [...running], elapsedMs: Date.now() - started }),
      this.options.progressIntervalMs ?? 1000,
    );
    ticker.unref();
    const failedBefore = new Set(hosts.filter((host) => this.states.get(host).failed));
    try {
      await mapLimit(runners, this.options.forks, async (host) => {
        const outcome = await this.runOnHost(task, host, title);
        running.delete(host);
        this.record(task, host, title, outcome);
        if (task.runOnce && !outcome.unreachable) {
          for (const other of hosts.filter((h) => h !== host)) this.applyOutcome(task, this.states.get(other), title, outcome);
        }
      });
    } finally {
      clearInterval(ticker);
    }
    if (!handler) this.applyFailureRules(this.batch, hosts.filter((host) => this.states.get(host).failed && !failedBefore.has(host)));
  }

  private async runOnHost(task: ModuleTask, host: string, title: string): Promise<HostOutcome> {
    const state = this.states.get(host);
    const module = this.options.module(task.module);
    const vars = taskVars(this.vars, host, task);
    try {
      if (!module) throw new Error(`unknown module '${task.module}'`);
      const delegate = task.delegateTo ? String(render(task.delegateTo, vars, task.origin)) : undefined;
      const target = delegate ?? host;
      const targetVars = delegate ? this.options.inventory.hostVars(delegate) : vars;
      return await executeModuleTask(task, {
        host,
        vars,
        module,
        conn: this.options.connections.forHost(target, targetVars),
        reconnect: this.options.connections.reconnect(target, targetVars),
        check: this.options.check,
        diff: this.options.diff,
        facts: state.facts,
        playbookDir: this.playbook.dir,
        holdsSecret: (value) => this.holdsSecret(value),
        readVarsFile: (localPath) => loadYamlFile(localPath, { vault: this.options.loadOptions.vault, secrets: this.options.secrets }),
        onItem: (item) => this.reportItem(task, host, title, item, delegate),
      });
    } catch (err) {
      return { status: 'failed', result: { changed: false, failed: true, msg: (err as Error).message }, failure: { msg: (err as Error).message }, diffs: [], noLog: false };
    }
  }

  private holdsSecret(value: unknown): boolean {
    if (typeof value === 'string') return this.options.secrets.contains(value);
    if (Array.isArray(value)) return value.some((v) => this.holdsSecret(v));
    if (value && typeof value === 'object') return Object.values(value).some((v) => this.holdsSecret(v));
    return false;
  }

  /** Counters, host state, register, set_fact/setup results, notifications, then the report line. */
  private record(task: ModuleTask, host: string, title: string, outcome: HostOutcome): void {
    const state = this.states.get(host);
    const { stats } = state;
    if (outcome.unreachable) {
      state.unreachable = true;
      stats.unreachable++;
      this.report(task, host, title, outcome);
      return;
    }
    const ignored = outcome.status === 'failed' && task.ignoreErrors === true;
    const failed = this.applyOutcome(task, state, title, outcome);
    if (outcome.status === 'skipped') {
      stats.skipped++;
    } else if (!failed) {
      stats.ok++;
      if (outcome.result.changed === true) stats.changed++;
      if (ignored) stats.ignored++;
    }
    // a loop's items were reported as they finished; only a failed loop gets its own closing line
    if (!outcome.items || outcome.status === 'failed') this.report(task, host, title, outcome, ignored);
  }

  /**
   * What a result does to a host: register, failure (counted), set_fact/setup facts, notifications.
   * Also applied to every host a run_once task ran for, as Ansible does. Returns whether the host failed.
   */
  private applyOutcome(task: ModuleTask, state: HostState, title: string, outcome: HostOutcome): boolean {
    if (task.register) state.hostFacts[task.register] = outcome.result;
    const failed = outcome.status === 'failed' && task.ignoreErrors !== true;
    if (failed) {
      state.stats.failed++;
      state.failed = true;
      state.hostFacts.ansible_failed_result = outcome.result;
      state.hostFacts.ansible_failed_task = { name: title, module: task.module };
    }
    if (outcome.status !== 'failed') this.applyResultFacts(task, state, outcome.result);
    if (outcome.status === 'changed') {
      for (const name of task.notify) for (const handler of handlersFor(this.handlers, name)) state.notified.add(handler);
    }
    return failed;
  }

  /** set_fact's values become host facts; setup's result is the host's facts. */
  private applyResultFacts(task: ModuleTask, state: HostState, result: Vars): void {
    const facts = result.facts ?? result.ansible_facts;
    if (!facts || typeof facts !== 'object') return;
    if (task.module === 'setup') state.facts = facts as Vars;
    else Object.assign(state.hostFacts, facts);
  }

  private reportItem(task: ModuleTask, host: string, title: string, item: ItemOutcome, delegate: string | undefined): void {
    this.report(task, host, title, item, task.ignoreErrors === true && item.status === 'failed', delegate);
  }

  private report(task: ModuleTask, host: string, title: string, outcome: ItemOutcome, ignored = false, delegate?: string): void {
    const showDiff = (task.diff ?? this.options.diff) && outcome.diffs.length > 0;
    this.options.reporter.emit({
      type: 'host_result',
      task: title,
      host,
      status: outcome.status,
      item: outcome.noLog ? (outcome.item === undefined ? undefined : '(censored)') : outcome.item,
      ignored: ignored || undefined,
      delegatedTo: delegate ?? (task.delegateTo && !task.delegateTo.includes('{{') ? task.delegateTo : undefined),
      failure: outcome.failure && (outcome.noLog ? { msg: NO_LOG_NOTICE.censored } : outcome.failure),
      diffs: showDiff ? diffTexts(outcome.diffs, outcome.noLog) : undefined,
      result: this.shownResult(task, outcome),
    });
  }

  /** -v shows every result; a failure and a debug task show theirs always (debug's is its message). */
  private shownResult(task: ModuleTask, outcome: ItemOutcome): Vars | undefined {
    if (outcome.noLog) return NO_LOG_NOTICE;
    const verbose = this.options.verbosity > 0;
    if (task.module === 'debug' && outcome.status === 'ok' && !verbose) {
      const { changed: _changed, failed: _failed, verbosity, ...shown } = outcome.result;
      return Number(verbosity ?? 0) > this.options.verbosity ? undefined : shown;
    }
    if (!verbose && outcome.status !== 'failed') return undefined;
    // file contents are shown only as --diff shows them (and hidden when secret), never raw in a result
    const { diff: _diff, ...shown } = outcome.result;
    return shown;
  }

  /** Fails hosts for an include that could not be loaded or resolved; the task header is printed once. */
  private failer(node: TaskNode): (host: string, err: unknown) => void {
    const task = node.name ?? node.kind;
    let announced = false;
    return (host, err) => {
      const message = err instanceof Error ? err.message : String(err);
      const state = this.states.get(host);
      state.failed = true;
      state.stats.failed++;
      if (!announced) {
        this.options.reporter.emit({ type: 'task_start', name: task, role: node.role?.name, handler: false, origin: `${node.origin.file}:${node.origin.line}` });
        announced = true;
      }
      this.options.reporter.emit({ type: 'host_result', task, host, status: 'failed', failure: { msg: message } });
    };
  }

  /**
   * any_errors_fatal (any new failure), max_fail_percentage (exceeded, per batch) and a batch
   * with no host left all stop the play, and the run: later batches and plays are not started.
   * Inside a block with rescue or always the rules wait for those to run.
   */
  private applyFailureRules(batch: readonly string[], newlyFailed: readonly string[]): void {
    if (this.guardedBlocks > 0) return;
    const lost = batch.filter((host) => {
      const state = this.states.get(host);
      return state.failed || state.unreachable;
    });
    const stop =
      (this.play.anyErrorsFatal && newlyFailed.length > 0) ||
      exceedsMaxFail(lost.length, batch.length, this.play.maxFailPercentage) ||
      (lost.length === batch.length && batch.length > 0);
    if (stop) {
      this.playHalted = true;
      this.runHalted = true;
    }
  }
}

/** Ansible's exit codes: 4 when a host was unreachable (wins), 2 when one failed, 99 when interrupted. */
export function exitCodeOf(stats: Record<string, HostStats>, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  const all = Object.values(stats);
  if (all.some((s) => s.unreachable > 0)) return EXIT.unreachable;
  if (all.some((s) => s.failed > 0)) return EXIT.failed;
  return EXIT.ok;
}

function handlerKey(handler: Handler): string {
  return `${handler.origin.file}:${handler.origin.line}`;
}
