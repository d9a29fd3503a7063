import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../../../src/base/shell-quote';

/**
 * Comparing two twin hosts (same image, one converged by ansible-core, one by play) through the
 * snapshots snapshot.py prints before and after each run: what a role manages is whatever changed
 * on either host, and there the two hosts must agree.
 */

/** `path /etc/x` → `file 0644 root:root <sha256>`, `package nginx` → `1.22 install ok installed`, ... */
export type Snapshot = Map<string, string>;

export function parseSnapshot(text: string): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`not a snapshot line: ${JSON.stringify(line)}`);
    snapshot.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return snapshot;
}

/** Keys that were added, removed or changed between the two snapshots of one host. */
export function changedKeys(before: Snapshot, after: Snapshot): Set<string> {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return new Set([...keys].filter((key) => before.get(key) !== after.get(key)));
}

export interface TwinSnapshots {
  before: Snapshot;
  after: Snapshot;
}

/**
 * One line per difference between the twins' final states, over what changed on either host:
 * `path /etc/x: ansible file 0644 root:root ab12… | play (absent)`. Empty when identical.
 */
export function twinDifferences(ansible: TwinSnapshots, play: TwinSnapshots): string[] {
  const managed = new Set([...changedKeys(ansible.before, ansible.after), ...changedKeys(play.before, play.after)]);
  return [...managed]
    .sort()
    .filter((key) => ansible.after.get(key) !== play.after.get(key))
    .map((key) => `${key}: ansible ${ansible.after.get(key) ?? '(absent)'} | play ${play.after.get(key) ?? '(absent)'}`);
}

/** The snapshot script as a command line (no file is copied to the host; it runs as root), with extra paths to describe. */
export function snapshotCommand(extraPaths: string[] = []): string {
  const script = readFileSync(path.join(__dirname, 'snapshot.py')).toString('base64');
  return `echo ${script} | base64 -d | sudo python3 - ${extraPaths.map(shellQuote).join(' ')}`.trimEnd();
}
