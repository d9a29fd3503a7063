/**
 * The PLAY RECAP lines both tools print (play copies Ansible's format):
 *   app-1   : ok=12   changed=0    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0
 * Parsing the human output, not a JSON callback, keeps both tools on their everyday output path.
 */
export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

const RECAP_LINE = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/;

export function parseRecap(output: string): Record<string, HostRecap> {
  const start = output.lastIndexOf('PLAY RECAP');
  if (start < 0) return {};
  const recap: Record<string, HostRecap> = {};
  for (const line of output.slice(start).split('\n')) {
    const m = RECAP_LINE.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (m) recap[m[1]] = { ok: +m[2], changed: +m[3], unreachable: +m[4], failed: +m[5], skipped: +m[6] };
  }
  return recap;
}

/** Task results over all hosts. Both tools count a changed result in `ok` too, so `changed` is not added again. */
export function taskResults(recap: Record<string, HostRecap>): number {
  return Object.values(recap).reduce((sum, h) => sum + h.ok + h.failed + h.skipped + h.unreachable, 0);
}

export function hostsWith(recap: Record<string, HostRecap>, field: 'changed' | 'unreachable' | 'failed'): string[] {
  return Object.entries(recap)
    .filter(([, h]) => h[field] > 0)
    .map(([name]) => name)
    .sort();
}
