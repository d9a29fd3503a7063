import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Light hosts for the fleet bench: one real OpenSSH sshd per host (own address, own host key), all
 * in one private network namespace, reachable only through a bastion sshd in its own namespace:
 *
 *   root ns --veth 10.232.<2k>.0/30--> bastion ns --veth 10.232.<2k+1>.0/24--> private ns (N sshd)
 *
 * No boot, no systemd: the hosts share this machine's filesystem, so the workload writes under a
 * per-host directory. The bastion keeps sshd's default MaxStartups (10:30:100) and logs every
 * accepted connection. Everything carries this run's suffix (`pb` prefix) and the root namespace
 * gets `unreachable 10.232.0.0/16` first, so nothing of this range can leave the machine.
 */

const SSHD = '/usr/sbin/sshd';
export const FLEET_RANGE = '10.232.0.0/16';
/** Host addresses start at .10 of a /24: at most 240 hosts. */
const MAX_HOSTS = 240;

export interface LightHost {
  name: string;
  address: string;
}

export interface LightFleet {
  dir: string;
  hosts: LightHost[];
  bastionAddress: string;
  /** ssh config: the bastion, each host by name and address with ProxyJump, pinned known_hosts. */
  sshConfigFile: string;
  /** TCP connections the bastion's sshd accepted so far ("Connection from" lines). */
  bastionConnections(): number;
  /** Sessions (command, shell, sftp) the hosts' sshd started so far: each is one remote round trip at least. */
  hostSessions(): number;
  teardown(): Promise<void>;
}

interface Sshd {
  hostKeyLine: string;
  log(): string;
  stop(): Promise<void>;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Teardown steps ignore "already gone": teardown is idempotent and runs every step. */
function attempt(command: string, args: string[]): void {
  try {
    run(command, args);
  } catch {
    // already removed or never created
  }
}

/** A /30 + /24 pair no other fleet on this machine uses; the route metric marks our unreachable route. */
function pickSubnetIndex(): number {
  const used = run('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let tries = 0; tries < 50; tries += 1) {
    const k = 1 + Math.floor(Math.random() * 120);
    if (!used.includes(`10.232.${2 * k}.`) && !new RegExp(`metric ${2000 + k}\\b`).test(used)) return k;
  }
  throw new Error('no free 10.232.x.0/30 subnet for the bench fleet');
}

function startSshd(ns: string, dir: string, name: string, address: string): Promise<Sshd> {
  const keyFile = path.join(dir, `host-${name}`);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', keyFile]);
  const configFile = path.join(dir, `sshd-${name}.conf`);
  writeFileSync(
    configFile,
    [
      `ListenAddress ${address}:22`,
      `HostKey ${keyFile}`,
      'PidFile none',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, SSHD, '-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const sshd: Sshd = {
    hostKeyLine: readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '),
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd ${name} did not start within 10 s: ${log}`)), 10_000);
    child.stderr!.on('data', () => {
      if (log.includes('Server listening on')) {
        clearTimeout(timer);
        resolve(sshd);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd ${name} exited with ${code}: ${log}`));
    });
  });
}

function sshConfig(fleet: { dir: string; bastionAddress: string; hosts: LightHost[]; clientKey: string }): string {
  const hostBlocks = fleet.hosts.map((h) => `Host ${h.name} ${h.address}\n  HostName ${h.address}\n  ProxyJump bastion\n`).join('\n');
  return [
    `Host bastion ${fleet.bastionAddress}\n  HostName ${fleet.bastionAddress}\n`,
    hostBlocks,
    'Host *',
    '  User root',
    `  IdentityFile ${fleet.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${path.join(fleet.dir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '',
  ].join('\n');
}

export async function startLightFleet(count: number): Promise<LightFleet> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) throw new Error(`fleet size ${count}: expected 1 to ${MAX_HOSTS}`);
  const suffix = randomBytes(3).toString('hex').slice(0, 5);
  const k = pickSubnetIndex();
  const pub = `10.232.${2 * k}`;
  const priv = `10.232.${2 * k + 1}`;
  const bastionNs = `pb-b-${suffix}`;
  const privateNs = `pb-p-${suffix}`;
  const links = { root: `pb${suffix}r`, bastion: `pb${suffix}b`, bastionInner: `pb${suffix}q`, private: `pb${suffix}s` };
  const metric = String(2000 + k);
  const dir = mkdtempSync(path.join(os.tmpdir(), `pb-fleet-${suffix}-`));
  chmodSync(dir, 0o755);
  const daemons: Sshd[] = [];

  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await Promise.all(daemons.map((d) => d.stop()));
    attempt('ip', ['link', 'del', links.root]);
    attempt('ip', ['netns', 'del', bastionNs]);
    attempt('ip', ['netns', 'del', privateNs]);
    attempt('ip', ['route', 'del', 'unreachable', FLEET_RANGE, 'metric', metric]);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Safety first: nothing in 10.232/16 may leave the machine, whatever happens next.
    run('ip', ['route', 'add', 'unreachable', FLEET_RANGE, 'metric', metric]);
    run('ip', ['netns', 'add', bastionNs]);
    run('ip', ['netns', 'add', privateNs]);
    run('ip', ['link', 'add', links.root, 'type', 'veth', 'peer', 'name', links.bastion, 'netns', bastionNs]);
    run('ip', ['link', 'add', links.bastionInner, 'netns', bastionNs, 'type', 'veth', 'peer', 'name', links.private, 'netns', privateNs]);
    run('ip', ['addr', 'add', `${pub}.1/30`, 'dev', links.root]);
    run('ip', ['link', 'set', links.root, 'up']);
    run('ip', ['-n', bastionNs, 'addr', 'add', `${pub}.2/30`, 'dev', links.bastion]);
    run('ip', ['-n', bastionNs, 'addr', 'add', `${priv}.1/24`, 'dev', links.bastionInner]);
    for (const link of ['lo', links.bastion, links.bastionInner]) run('ip', ['-n', bastionNs, 'link', 'set', link, 'up']);
    const hosts: LightHost[] = Array.from({ length: count }, (_, i) => ({ name: `h${String(i + 1).padStart(3, '0')}`, address: `${priv}.${10 + i}` }));
    for (const host of hosts) run('ip', ['-n', privateNs, 'addr', 'add', `${host.address}/24`, 'dev', links.private]);
    for (const link of ['lo', links.private]) run('ip', ['-n', privateNs, 'link', 'set', link, 'up']);

    const clientKey = path.join(dir, 'client_ed25519');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pb-bench', '-f', clientKey]);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o644 });
    // Debian's sshd refuses to start without its privilege separation directory (normally made by its unit).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    const bastion = await startSshd(bastionNs, dir, 'bastion', `${pub}.2`);
    daemons.push(bastion);
    const targets = await Promise.all(
      hosts.map(async (host) => {
        const sshd = await startSshd(privateNs, dir, host.name, host.address);
        daemons.push(sshd);
        return sshd;
      }),
    );
    // Keys pinned up front, under both names, so neither tool writes known_hosts during a measured run.
    const knownHosts = [`bastion,${pub}.2 ${bastion.hostKeyLine}`, ...hosts.map((h, i) => `${h.name},${h.address} ${targets[i].hostKeyLine}`)];
    writeFileSync(path.join(dir, 'known_hosts'), knownHosts.join('\n') + '\n');
    const sshConfigFile = path.join(dir, 'ssh.config');
    writeFileSync(sshConfigFile, sshConfig({ dir, bastionAddress: `${pub}.2`, hosts, clientKey }));

    return {
      dir,
      hosts,
      bastionAddress: `${pub}.2`,
      sshConfigFile,
      bastionConnections: () => (bastion.log().match(/^Connection from /gm) ?? []).length,
      hostSessions: () => targets.reduce((sum, sshd) => sum + (sshd.log().match(/^Starting session: /gm) ?? []).length, 0),
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
