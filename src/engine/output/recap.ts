import type { HostStats } from './events';

const BANNER_WIDTH = 79;
const COUNTERS: ReadonlyArray<keyof HostStats> = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

/** Ansible's banner: the title, then stars up to the terminal width (at least three). */
export function banner(title: string): string {
  return `${title} ${'*'.repeat(Math.max(3, BANNER_WIDTH - title.length))}`;
}

/** Which colour a recap line gets, as Ansible picks it. */
export function hostOutcome(stats: HostStats): 'failed' | 'changed' | 'ok' {
  if (stats.failed > 0 || stats.unreachable > 0) return 'failed';
  return stats.changed > 0 ? 'changed' : 'ok';
}

/**
 * One PLAY RECAP line in Ansible's exact layout (`%-26s : ok=%-4s changed=%-4s ...`), so scripts
 * that parse Ansible's recap read ours. `paint` colours a non-zero counter.
 */
export function recapLine(host: string, stats: HostStats, paint: (counter: keyof HostStats, text: string) => string = (_c, t) => t): string {
  const counters = COUNTERS.map((counter) => {
    const text = `${counter}=${String(stats[counter]).padEnd(4)}`;
    return stats[counter] !== 0 ? paint(counter, text) : text;
  });
  return `${host.padEnd(26)} : ${counters.join(' ')}`;
}
