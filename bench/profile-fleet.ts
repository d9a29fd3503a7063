/**
 * Where play's time goes at fleet scale: one no-op run of the fleet workload over N light hosts,
 * under `node --cpu-prof`. Prints the run's wall and CPU time (user+sys of play itself, of the
 * hosts' and the bastion's sshd trees, and the machine's), the SSH sessions the hosts started per
 * task result, and the functions with the most self time in play's profile (from its .cpuprofile).
 *
 *   npx tsx bench/profile-fleet.ts [N]       (root; default N = 16)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startLightFleet } from './fleet/light-hosts';
import { parseRecap, taskResults } from './lib/recap';
import { REPO } from './lib/tools';
import { selfTimes, type CpuProfile } from './lib/cpu-profile';

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 16);
  const fleet = await startLightFleet(size);
  try {
    const inventory = path.join(fleet.dir, 'hosts.yml');
    const hosts = Object.fromEntries(fleet.hosts.map((h) => [h.name, { ansible_host: h.address }]));
    writeFileSync(inventory, stringify({ all: { vars: { ansible_user: fleet.user, play_ssh_config: fleet.sshConfigFile, fleet_settings: [{ name: 'workers', value: 4 }] }, children: { fleet: { hosts } } } }));
    // Asynchronous, so the sshd logs (read from their pipes) keep up while play runs.
    const play = async (node: string[]) =>
      promisify(execFile)('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...node, path.join(REPO, 'bin', 'play.js'), path.join(__dirname, 'fleet', 'fleet-play.yml'), '-i', inventory, '-e', `fleet_root=${fleet.home}/work`], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    await play([]); // the first run writes the files; the profiled run is the no-op
    const profileDir = path.join(fleet.dir, 'profile');
    const sessionsBefore = fleet.hostSessions();
    const hostsBefore = await fleet.settledCpuSeconds();
    const cpuBefore = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const child = await play(['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    const cpuAfter = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const hostsAfter = await fleet.settledCpuSeconds();
    const busy = (line: string) => {
      const f = line.split(/\s+/).slice(1).map(Number);
      return { busy: f[0] + f[1] + f[2] + f[5] + f[6], all: f.reduce((a, b) => a + b, 0) };
    };
    const [b, a] = [busy(cpuBefore), busy(cpuAfter)];
    const [wall, user, sys] = child.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    const tasks = taskResults(parseRecap(child.stdout));
    const sessions = fleet.hostSessions() - sessionsBefore;
    const ticks = 100; // USER_HZ
    console.log(`N=${size} no-op: wall ${wall} s; play CPU user ${user} s + sys ${sys} s; machine busy ${((a.busy - b.busy) / ticks).toFixed(1)} CPU-s of ${((a.all - b.all) / ticks).toFixed(1)}`);
    console.log(`hosts' sshd trees: ${(hostsAfter.targets - hostsBefore.targets).toFixed(2)} CPU-s; the bastion's: ${(hostsAfter.bastion - hostsBefore.bastion).toFixed(2)} CPU-s`);
    console.log(`task results ${tasks}; SSH sessions on the hosts ${sessions} (${(sessions / tasks).toFixed(2)} per task)`);
    const profile = JSON.parse(readFileSync(path.join(profileDir, readdirSync(profileDir)[0]), 'utf8')) as CpuProfile;
    console.log('play self time, top 15 (ms):');
    for (const [name, ms] of selfTimes(profile).slice(0, 15)) console.log(`  ${ms.toFixed(0).padStart(6)}  ${name}`);
  } finally {
    await fleet.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
