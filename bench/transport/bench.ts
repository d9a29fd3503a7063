/**
 * Transport benchmark: N targets behind one bastion (real sshd in network namespaces, default
 * MaxStartups). For each N: the time to connect to all N at once through play's pool, the median
 * no-op command round trip per host, and the same round trip with OpenSSH's own multiplexing
 * (`ssh -o ControlMaster`, one master per host through the same bastion).
 *
 *   npx tsx bench/transport/bench.ts [N ...]     (root; default N = 1 10 50)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createConnectionPool } from '../../src/transport';
import { Semaphore } from '../../src/transport/semaphore';
import { startSshdLab, labPrerequisites, type SshdLab } from '../../test/support/sshd-net';

const execFileAsync = promisify(execFile);
const ROUND_TRIPS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function writeConfig(lab: SshdLab, name: string): string {
  return lab.writeFile(
    name,
    `Host bastion\n  HostName ${lab.bastion.address}\n\n${lab.hostBlocks()}\nHost t*\n  ProxyJump bastion\n\nHost *\n  User root\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.${name}\n  StrictHostKeyChecking accept-new\n  BatchMode yes\n`,
  );
}

async function measurePlay(lab: SshdLab): Promise<{ connectMs: number; roundTripMs: number; bastionConnections: number; execs: number }> {
  const config = writeConfig(lab, 'ssh_config.play');
  const before = lab.bastion.connectionCount();
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  try {
    const started = performance.now();
    const conns = await Promise.all(lab.targets.map((target) => pool.connect({ name: target.name })));
    const connectMs = performance.now() - started;
    // Every host at once, ROUND_TRIPS commands in a row on each: the per-host figure under fan-out.
    const perHost = await Promise.all(
      conns.map(async (conn) => {
        const times: number[] = [];
        for (let index = 0; index < ROUND_TRIPS; index += 1) {
          const start = performance.now();
          await conn.run('true');
          times.push(performance.now() - start);
        }
        return median(times);
      }),
    );
    return { connectMs, roundTripMs: median(perHost), bastionConnections: lab.bastion.connectionCount() - before, execs: pool.stats().execs };
  } finally {
    await pool.closeAll();
  }
}

async function measureOpenSsh(lab: SshdLab): Promise<{ connectMs: number; roundTripMs: number }> {
  const config = writeConfig(lab, 'ssh_config.openssh');
  const control = (target: string) => ['-F', config, '-o', `ControlPath=${lab.dir}/cm-${target}`];
  // One master per host, as Ansible's ControlPersist gives; ssh -f returns once the master is authenticated.
  // Each one is its own ProxyJump login to the bastion: unthrottled, 50 of them trip the bastion's
  // MaxStartups (seen here: "kex_exchange_identification: Connection closed by remote host"), so
  // they are capped like play's handshakes.
  const handshakes = new Semaphore(8);
  const started = performance.now();
  try {
    await Promise.all(lab.targets.map((target) => handshakes.use(() => execFileAsync('ssh', [...control(target.name), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-f', '-N', target.name]))));
    const connectMs = performance.now() - started;
    const perHost = await Promise.all(
      lab.targets.map(async (target) => {
        const times: number[] = [];
        for (let index = 0; index < ROUND_TRIPS; index += 1) {
          const start = performance.now();
          await execFileAsync('ssh', [...control(target.name), target.name, 'true']);
          times.push(performance.now() - start);
        }
        return median(times);
      }),
    );
    return { connectMs, roundTripMs: median(perHost) };
  } finally {
    await Promise.all(lab.targets.map((target) => execFileAsync('ssh', [...control(target.name), '-O', 'exit', target.name]).catch(() => undefined)));
  }
}

async function main(): Promise<void> {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  const sizes = process.argv.slice(2).map(Number);
  console.log('| N | play connect all (ms) | play no-op round trip, median (ms) | bastion connections from play | ssh ControlMaster connect all (ms) | ssh ControlMaster round trip, median (ms) | play / ssh |');
  console.log('|---|---|---|---|---|---|---|');
  for (const n of sizes.length > 0 ? sizes : [1, 10, 50]) {
    const lab = await startSshdLab({ targets: n });
    try {
      const play = await measurePlay(lab);
      const openssh = await measureOpenSsh(lab);
      console.log(
        `| ${n} | ${play.connectMs.toFixed(0)} | ${play.roundTripMs.toFixed(2)} | ${play.bastionConnections} | ${openssh.connectMs.toFixed(0)} | ${openssh.roundTripMs.toFixed(2)} | ${(play.roundTripMs / openssh.roundTripMs).toFixed(2)} |`,
      );
      console.error(`N=${n} done (play execs: ${play.execs})`);
    } finally {
      await lab.teardown();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
