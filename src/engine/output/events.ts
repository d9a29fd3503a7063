import type { FileDiff } from '../../modules/module';
import type { Vars } from '../../data/vars';

/**
 * What the runner reports while it runs. The runner knows nothing of terminals or JSON: it emits
 * these events to a Reporter, and human.ts / json.ts turn them into text.
 */

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/** What one run of a module (one loop item, or the whole task) came to on one host. */
export interface ItemOutcome {
  status: HostStatus;
  item?: unknown;
  result: Vars;
  failure?: FailureDetail;
  diffs: FileDiff[];
  noLog: boolean;
}

export interface FailureDetail {
  msg?: string;
  cmd?: string;
  rc?: number;
  stderr?: string;
}

export type RunEvent =
  | { type: 'play_start'; name: string; hosts: string[] }
  | { type: 'task_start'; name: string; role?: string; handler: boolean; origin: string }
  | {
      type: 'host_result';
      task: string;
      host: string;
      status: HostStatus;
      item?: unknown;
      ignored?: boolean;
      delegatedTo?: string;
      failure?: FailureDetail;
      /** A unified diff per changed file, already redacted; suppressed for no_log tasks. */
      diffs?: string[];
      /** The module's result, for -v and --json; replaced by a notice for no_log tasks. */
      result?: Record<string, unknown>;
    }
  | { type: 'task_progress'; task: string; running: string[]; elapsedMs: number }
  | { type: 'warning'; message: string }
  | { type: 'no_hosts'; play: string }
  | { type: 'recap'; stats: Record<string, HostStats>; elapsedMs: number; interrupted: boolean }
  /**
   * How each host was talked to (--json only, before the recap): batches of probes sent, probes
   * they answered, and operations sent one by one (changes, commands, probes not gathered).
   */
  | { type: 'round_trips'; hosts: Record<string, { batches: number; answered: number; sent: number }> };

export interface Reporter {
  emit(event: RunEvent): void;
}
