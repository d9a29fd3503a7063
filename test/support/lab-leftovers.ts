import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LabLayout } from '../../src/lab/layout';

/**
 * Everything of a lab still present on the machine, found independently of the lab's own
 * teardown code (straight from ip, /proc and /sys) so a teardown bug cannot hide itself.
 */
export function labLeftovers(layout: LabLayout): string[] {
  const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
  const found: string[] = [];
  for (const line of ip('netns', 'list').split('\n')) if (line.startsWith(`${layout.tag}-`)) found.push(`netns ${line}`);
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name?.startsWith(layout.tag)) found.push(`link ${name}`);
  }
  const routes = ip('route', 'show', layout.range).trim();
  if (routes) found.push(`route ${routes}`);
  const publicRoute = ip('route', 'show', layout.publicSubnet).trim();
  if (publicRoute) found.push(`route ${publicRoute}`);
  for (const table of [`play_lab_${layout.tag}`, `play_sg_${layout.tag}`]) {
    if (spawnSync('nft', ['list', 'table', 'inet', table]).status === 0) found.push(`nftables table inet ${table}`);
  }
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const target = line.split(' ')[1];
    if (target?.startsWith(layout.stateDir)) found.push(`mount ${target}`);
  }
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmdline.includes(layout.stateDir) || cmdline.includes(`${layout.tag}-`)) found.push(`process ${pid}: ${cmdline.slice(0, 120)}`);
  }
  for (const hierarchy of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    const parent = path.join(hierarchy, 'play-lab');
    if (existsSync(parent)) for (const entry of readdirSync(parent)) if (entry.startsWith(`${layout.tag}-`)) found.push(`cgroup ${parent}/${entry}`);
  }
  if (existsSync(layout.stateDir)) found.push(`directory ${layout.stateDir}`);
  return found;
}
