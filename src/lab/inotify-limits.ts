import { readFileSync, writeFileSync } from 'node:fs';

/*
 * Every booted guest's systemd holds a handful of inotify instances, all charged to root, and
 * Debian's default of 128 per user runs out at about 15 hosts machine-wide (the guest's PID 1
 * then dies with "Too many open files"). Raised, never lowered, and not restored at down:
 * other labs (or anything else) may be running on the higher limit.
 */
const MINIMUM: Record<string, number> = {
  '/proc/sys/fs/inotify/max_user_instances': 8192,
  '/proc/sys/fs/inotify/max_user_watches': 524288,
};

export function raiseInotifyLimits(log: (line: string) => void): void {
  for (const [file, minimum] of Object.entries(MINIMUM)) {
    const current = Number(readFileSync(file, 'utf8').trim());
    if (current >= minimum) continue;
    writeFileSync(file, `${minimum}\n`);
    log(`raised ${file.replace('/proc/sys/', '').replace(/\//g, '.')} from ${current} to ${minimum} (booted hosts each use several)`);
  }
}
