import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { detachedRunnerCpu } from '../../bench/fleet/fleet-bench';
import { startLightFleet, type LightFleet } from '../../bench/fleet/light-hosts';
import { processesMentioning } from '../../bench/lib/process-tree';
import { closeControlMasters } from '../../bench/lib/tools';

/*
 * The fleet bench's host-side and detached runner-side CPU, on real light hosts (root): work of a
 * known cost, measured by GNU time on the host, shows up in the host's figure and not elsewhere;
 * an ssh ControlPersist master, which outlives the command that started it, is found and counted.
 */

const run = promisify(execFile);
let fleet: LightFleet;
beforeAll(async () => {
  fleet = await startLightFleet(2);
});
afterAll(() => fleet?.teardown());

test("a command's CPU on a host counts in the hosts' figure, its forwarding in the bastion's", async () => {
  const usage = path.join(fleet.home, 'usage');
  const before = await fleet.settledCpuSeconds();
  await run('ssh', ['-F', fleet.sshConfigFile, fleet.hosts[0].name, `/usr/bin/time -f '%U %S' -o ${usage} sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'`]);
  const after = await fleet.settledCpuSeconds();
  const loop = readFileSync(usage, 'utf8').trim().split('\n').pop()!.split(' ').map(Number).reduce((a, b) => a + b, 0);
  expect(loop).toBeGreaterThan(0.05);
  const hosts = after.targets - before.targets;
  // The loop, plus one session's handshake, sudo-less login shell and teardown.
  expect(hosts).toBeGreaterThanOrEqual(loop);
  expect(hosts).toBeLessThan(loop + 0.5);
  expect(after.bastion - before.bastion).toBeGreaterThan(0);
  expect(after.bastion - before.bastion).toBeLessThan(hosts);
});

test('an ssh ControlPersist master left behind by a run is found and its CPU counted', async () => {
  const controlDir = path.join(fleet.dir, 'cp-test');
  mkdirSync(controlDir);
  try {
    expect(detachedRunnerCpu(controlDir, fleet.sshConfigFile)).toBe(0);
    const mux = ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60', '-o', `ControlPath=${controlDir}/%C`];
    await run('ssh', ['-F', fleet.sshConfigFile, ...mux, fleet.hosts[1].name, 'true']);
    // The master (titled with its control path) and the ProxyJump client it talks through (carrying -F) outlive the command.
    expect(processesMentioning(`${controlDir}/`)).toHaveLength(1);
    expect(processesMentioning(fleet.sshConfigFile).length).toBeGreaterThanOrEqual(1);
    const first = detachedRunnerCpu(controlDir, fleet.sshConfigFile);
    expect(first).toBeGreaterThan(0);
    // 20 MB back through the master: its decryption, and the jump client's relaying, cost CPU that the ssh command itself does not do.
    await run('ssh', ['-F', fleet.sshConfigFile, ...mux, fleet.hosts[1].name, 'head -c 20000000 /dev/zero'], { maxBuffer: 64 * 2 ** 20, encoding: 'buffer' });
    expect(detachedRunnerCpu(controlDir, fleet.sshConfigFile)).toBeGreaterThan(first);
  } finally {
    await closeControlMasters(controlDir);
  }
});
