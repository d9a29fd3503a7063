import type { RunEvent } from '../../../src/engine/output/events';
import type { PlayRun } from './play-cli';

/**
 * A run's events as they can be compared with another run's: what happened (statuses, changed,
 * diffs, results with -v, handler runs, recap), without when (times, durations, file times, progress ticks)
 * and with the hosts of one task in name order, since hosts work in parallel.
 */
export function comparableEvents(run: PlayRun): unknown[] {
  const out: unknown[] = [];
  let hostsOfTask: RunEvent[] = [];
  const flush = () => {
    // stable: one host's loop items keep their order
    const byHost = [...hostsOfTask].sort((a, b) => ('host' in a && 'host' in b ? a.host.localeCompare(b.host) : 0));
    out.push(...byHost.map(timeless));
    hostsOfTask = [];
  };
  for (const event of run.events) {
    // how many round trips it took is what batching changes
    if (event.type === 'task_progress' || event.type === 'round_trips') continue;
    if ('host' in event) {
      hostsOfTask.push(event);
      continue;
    }
    flush();
    out.push(timeless(event));
  }
  flush();
  return out;
}

/** Clock readings: when the event or the command happened, how long it took, a file's times. */
const CLOCK_KEYS = new Set(['time', 'elapsedMs', 'delta_ms', 'delta', 'start', 'end', 'mtime', 'atime', 'ctime']);

function timeless(event: RunEvent): unknown {
  return JSON.parse(JSON.stringify(event, (key, value: unknown) => (CLOCK_KEYS.has(key) ? undefined : value)));
}
