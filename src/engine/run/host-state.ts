import { emptyStats, type HostStats } from '../output/events';
import type { Handler } from '../playbook/types';
import type { Vars } from '../../data/vars';

/** What the run knows about one host: its counters, its facts, and whether it may still run tasks. */
export class HostState {
  readonly stats: HostStats = emptyStats();
  /** Failed in the current play: no further tasks, and out of the following plays. */
  failed = false;
  /** Could not be reached: out for the rest of the run. */
  unreachable = false;
  /** `meta: end_host`: done with the current play without failing. */
  ended = false;
  /** Gathered by setup, cached for the run. */
  facts?: Vars;
  /** set_fact values and registered results; they outlive the play, as in Ansible. */
  readonly hostFacts: Vars = {};
  /** Handlers notified and not yet run. */
  readonly notified = new Set<Handler>();

  constructor(readonly name: string) {}

  get active(): boolean {
    return !this.failed && !this.unreachable && !this.ended;
  }
}

/** The state of every host of the run, created on first use. */
export class HostStates {
  private readonly states = new Map<string, HostState>();

  get(host: string): HostState {
    let state = this.states.get(host);
    if (!state) this.states.set(host, (state = new HostState(host)));
    return state;
  }

  all(): HostState[] {
    return [...this.states.values()];
  }

  /** The hosts something happened to, as Ansible's recap lists them (a run_once play's other hosts are not among them). */
  stats(): Record<string, HostStats> {
    return Object.fromEntries(this.all().filter((s) => Object.values(s.stats).some((count) => count > 0)).map((s) => [s.name, s.stats]));
  }
}
