import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSshdLab, type SshdLab, type SshdNet } from '../../test/support/sshd-net';

/**
 * Light hosts for the fleet bench: the transport tests' sshd lab (one real OpenSSH sshd per host,
 * own address, own host key, reachable only through a bastion sshd that keeps the default
 * MaxStartups 10:30:100 and logs every accepted connection), in the bench's own range so a bench
 * run and a test run can share the machine. No boot, no systemd: the hosts share this machine's
 * filesystem, so the workload writes under a per-host directory. Both tools log in as the lab's own
 * user (/bin/sh, empty home): root's shell start-up files on a developer machine (pyenv init...) cost
 * ~150 ms per command, which would measure the machine's dotfiles rather than either tool.
 */

/** 10.232.0.0/16, `pb` names: RESULTS.md states this range. */
const BENCH_NET: SshdNet = { octet: 232, prefix: 'pb', metricBase: 2000 };

export interface LightHost {
  name: string;
  address: string;
}

export interface LightFleet {
  dir: string;
  hosts: LightHost[];
  bastionAddress: string;
  /** The login user on every host, and its home: the place the workload may write. */
  user: string;
  home: string;
  /** ssh config: the bastion, each host by name and address with ProxyJump, pinned known_hosts. */
  sshConfigFile: string;
  /** TCP connections the bastion's sshd accepted so far ("Connection from" lines). */
  bastionConnections(): number;
  /** Sessions (command, shell, sftp) the hosts' sshd started so far: each is one remote round trip at least. */
  hostSessions(): number;
  /**
   * CPU seconds (user + system) the hosts' sshd processes and everything under them (sessions,
   * shells, sudo, the workload's commands) have used since the fleet started, read once their work
   * has settled: the targets' and the bastion's apart.
   */
  settledCpuSeconds(): Promise<HostsCpu>;
  teardown(): Promise<void>;
}

export interface HostsCpu {
  targets: number;
  bastion: number;
}

const SETTLE_POLL_MS = 100;
const SETTLE_MAX_MS = 5000;

/**
 * Once a run's sessions have closed (asynchronously, after the client exits), the hosts' CPU stops
 * moving. Each sshd runs in a cgroup of its own (sshd-net's accountCpu), which holds every session.
 */
async function settledCpu(lab: SshdLab): Promise<HostsCpu> {
  const read = () => ({ targets: lab.targets.reduce((sum, target) => sum + target.cpuSeconds(), 0), bastion: lab.bastion.cpuSeconds() });
  let last = read();
  for (let waited = 0; waited < SETTLE_MAX_MS; waited += SETTLE_POLL_MS) {
    await sleep(SETTLE_POLL_MS);
    const now = read();
    if (now.targets === last.targets && now.bastion === last.bastion) return now;
    last = now;
  }
  return last;
}

function sshConfig(lab: SshdLab, user: string, hosts: LightHost[]): string {
  const hostBlocks = hosts.map((h) => `Host ${h.name} ${h.address}\n  HostName ${h.address}\n  ProxyJump bastion\n`).join('\n');
  return [
    `Host bastion ${lab.bastion.address}\n  HostName ${lab.bastion.address}\n`,
    hostBlocks,
    'Host *',
    `  User ${user}`,
    `  IdentityFile ${lab.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${path.join(lab.dir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '',
  ].join('\n');
}

export async function startLightFleet(count: number): Promise<LightFleet> {
  if (count < 1) throw new Error(`fleet size ${count}: expected at least 1`);
  const lab = await startSshdLab({ targets: count, net: BENCH_NET, withUser: true, accountCpu: true, targetName: (index) => `h${String(index + 1).padStart(3, '0')}` });
  try {
    const user = lab.user!;
    const hosts = lab.targets.map(({ name, address }) => ({ name, address }));
    // Keys pinned up front, under both names, so neither tool writes known_hosts during a measured run.
    const knownHosts = [`bastion,${lab.bastion.address} ${lab.bastion.hostKeyLine}`, ...lab.targets.map((t) => `${t.name},${t.address} ${t.hostKeyLine}`)];
    lab.writeFile('known_hosts', knownHosts.join('\n') + '\n');
    return {
      dir: lab.dir,
      hosts,
      bastionAddress: lab.bastion.address,
      user,
      home: lab.userHome!,
      sshConfigFile: lab.writeFile('ssh.config', sshConfig(lab, user, hosts)),
      bastionConnections: () => lab.bastion.connectionCount(),
      hostSessions: () => lab.targets.reduce((sum, target) => sum + (target.log().match(/^Starting session: /gm) ?? []).length, 0),
      settledCpuSeconds: () => settledCpu(lab),
      teardown: () => lab.teardown(),
    };
  } catch (err) {
    await lab.teardown();
    throw err;
  }
}
