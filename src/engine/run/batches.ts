import type { SerialSpec } from '../playbook/types';

/**
 * `serial` as Ansible reads it: a number, a percentage of the play's hosts, or a list of either
 * where the last size repeats until every host is in a batch. A percentage rounds down, but a
 * batch always holds at least one host.
 */
export function makeBatches<T>(hosts: readonly T[], serial: SerialSpec | undefined): T[][] {
  if (!serial || serial.length === 0 || hosts.length === 0) return hosts.length ? [[...hosts]] : [];
  const sizes = serial.map((spec) => batchSize(spec, hosts.length));
  const batches: T[][] = [];
  let start = 0;
  for (let i = 0; start < hosts.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)];
    batches.push(hosts.slice(start, start + size));
    start += size;
  }
  return batches;
}

function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return spec <= 0 ? total : Math.max(1, Math.floor(spec));
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (percent) return Math.max(1, Math.floor((Number(percent[1]) * total) / 100));
  const count = Number(spec);
  if (!Number.isFinite(count)) throw new Error(`serial: '${spec}' is not a number or a percentage`);
  return batchSize(count, total);
}

/** max_fail_percentage must be exceeded, not reached, and is counted per batch. */
export function exceedsMaxFail(failed: number, batchSize: number, maxFailPercentage: number | undefined): boolean {
  if (maxFailPercentage === undefined || batchSize === 0) return false;
  return (failed * 100) / batchSize > maxFailPercentage;
}
