import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCpuCgroup, type CpuCgroup } from './cpu-cgroup';

/**
 * A bastion and N targets as real OpenSSH sshd processes in network namespaces:
 *
 *   root ns --veth 10.<octet>.<2k>.0/30--> bastion ns --veth 10.<octet>.<2k+1>.0/24--> private ns (N sshd, one address each)
 *
 * The root namespace has no route to the private /24 (only this run's `unreachable 10.<octet>.0.0/16`
 * route, with its own metric), so play can reach the targets only through the bastion. Every name
 * carries this run's suffix; teardown removes exactly what this run created, and may run twice.
 * The transport tests and the fleet bench both build their hosts here, each in its own SshdNet.
 */

const SSHD = '/usr/sbin/sshd';
const SSH_PORT = 22;
/** Targets take .10 to .249 of the private /24; .250 and .251 are the unreachable and refused addresses. */
const MAX_TARGETS = 240;

/** What keeps one user's labs apart from another's on the same machine, so both can run at once. */
export interface SshdNet {
  /** Second octet of the 10.x.0.0/16 this user owns (other code and docs name these ranges). */
  octet: number;
  /** Leads every namespace, link, user and directory name, so a leftover says whose it is. */
  prefix: string;
  /** The unreachable route's metric is base + subnet index: a teardown deletes only its own route. */
  metricBase: number;
}

/** The transport tests' range (src/lab/layout.ts keeps the booted labs out of it). */
export const TEST_NET: SshdNet = { octet: 231, prefix: 'pt', metricBase: 1000 };

export interface SshdProcess {
  address: string;
  port: number;
  hostKeyLine: string;
  /** Everything the sshd logged (LogLevel VERBOSE, -e). */
  log(): string;
  /** "Connection from" lines: TCP connections the sshd accepted. */
  connectionCount(): number;
  /** CPU seconds this sshd and all its sessions have used (a lab started with accountCpu only). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export interface LabTarget extends SshdProcess {
  name: string;
  /** A reboot as the network sees it: this sshd and all its sessions die at once, then it listens again (same host key). */
  reboot(): Promise<void>;
}

export interface SshdLab {
  dir: string;
  suffix: string;
  clientKey: string;
  bastion: SshdProcess;
  targets: LabTarget[];
  /** A private address the bastion has no route to (EHOSTUNREACH at once). */
  unreachableAddress: string;
  /** A private address that exists but where nothing listens (connection refused). */
  refusedAddress: string;
  /** An unused port on the bastion's address: a bastion whose sshd is down. */
  deadBastionPort: number;
  /** A non-root login user (created for this run) allowed `sudo -n` to root only; undefined unless asked for. */
  user?: string;
  /** The user's home: empty (no dotfiles to slow every command down), owned by the user, inside `dir`. */
  userHome?: string;
  /** `Host` blocks naming each target by address, to put in front of a test's own config. */
  hostBlocks(prefix?: string): string;
  writeFile(name: string, text: string, mode?: number): string;
  teardown(): Promise<void>;
}

export interface LabOptions {
  targets: number;
  /** TEST_NET unless given. */
  net?: SshdNet;
  /** A target's name from its index; t01, t02, … unless given. */
  targetName?: (index: number) => string;
  /** Create a login user with a sudo rule (NOPASSWD to root only), removed at teardown. */
  withUser?: boolean;
  /** Start every sshd in a cgroup of its own, so cpuSeconds() reads what it and its sessions used. */
  accountCpu?: boolean;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Cleanup steps ignore "already gone" so teardown is idempotent and runs every step. */
function attempt(command: string, args: string[]): void {
  try {
    run(command, args);
  } catch {
    // already removed (or never created): nothing to undo
  }
}

/** A /30 + /24 pair no other lab of this net uses; the route metric marks each lab's unreachable route. */
function pickSubnetIndex(net: SshdNet): number {
  const used = run('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let tries = 0; tries < 50; tries += 1) {
    const k = 1 + Math.floor(Math.random() * 120);
    if (!used.includes(`10.${net.octet}.${2 * k}.`) && !new RegExp(`metric ${net.metricBase + k}\\b`).test(used)) return k;
  }
  throw new Error(`no free 10.${net.octet}.x.0/30 subnet for the ${net.prefix} sshd lab`);
}

/** The PIDs of a process we started and of everything it forked (its sshd sessions). */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = run('ps', ['-o', 'pid=', '--ppid', String(pid)]).split('\n').filter(Boolean).map(Number);
  } catch {
    // ps exits 1 when there are no children
  }
  return [pid, ...children.flatMap(processTree)];
}

type StartedSshd = SshdProcess & { pid: number };

function emptyHome(dir: string): string {
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o755 });
  return home;
}

function startSshd(ns: string, dir: string, name: string, address: string, cgroup?: CpuCgroup): Promise<StartedSshd> {
  const keyFile = path.join(dir, `host-${name}`);
  if (!existsSync(keyFile)) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', keyFile]);
  const configFile = path.join(dir, `sshd-${name}.conf`);
  writeFileSync(
    configFile,
    [
      `ListenAddress ${address}:${SSH_PORT}`,
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
      // A login shell must not run this machine's ~/.bashrc: root's runs `pyenv rehash`, whose lock file,
      // left behind by a session killed mid-login (a "reboot"), makes every later login wait 60 s.
      `SetEnv HOME=${emptyHome(dir)}`,
    ].join('\n') + '\n',
  );
  const direct = { command: 'ip', args: ['netns', 'exec', ns, SSHD, '-D', '-e', '-f', configFile] };
  const { command, args } = cgroup ? cgroup.wrap(direct.command, direct.args) : direct;
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc = {
    pid: child.pid!,
    address,
    port: SSH_PORT,
    hostKeyLine: readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '),
    log: () => log,
    connectionCount: () => (log.match(/^Connection from /gm) ?? []).length,
    cpuSeconds: () => {
      if (!cgroup) throw new Error(`sshd ${name}: started without accountCpu, so its CPU is not accounted`);
      return cgroup.cpuSeconds();
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd ${name} did not start: ${log}`)), 10000);
    const check = () => {
      if (log.includes('Server listening on')) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd ${name} exited with ${code}: ${log}`));
    });
  });
}

export async function startSshdLab(options: LabOptions): Promise<SshdLab> {
  const { targets: count, net = TEST_NET, targetName = (index: number) => `t${String(index + 1).padStart(2, '0')}` } = options;
  if (!Number.isInteger(count) || count < 0 || count > MAX_TARGETS) throw new Error(`sshd lab of ${count} targets: expected 0 to ${MAX_TARGETS}`);
  const { octet, prefix } = net;
  const range = `10.${octet}.0.0/16`;
  const suffix = randomBytes(3).toString('hex').slice(0, 5);
  const k = pickSubnetIndex(net);
  const pub = `10.${octet}.${2 * k}`;
  const priv = `10.${octet}.${2 * k + 1}`;
  const bastionNs = `${prefix}-b-${suffix}`;
  const privateNs = `${prefix}-p-${suffix}`;
  const links = { root: `${prefix}${suffix}r`, bastion: `${prefix}${suffix}b`, bastionInner: `${prefix}${suffix}q`, private: `${prefix}${suffix}s` };
  const metric = String(net.metricBase + k);
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-sshd-${suffix}-`));
  chmodSync(dir, 0o755);
  const processes: SshdProcess[] = [];
  const user = options.withUser ? `${prefix}u${suffix}` : undefined;
  const sudoersFile = user ? `/etc/sudoers.d/${user}` : undefined;
  const userHome = user ? path.join(dir, 'home') : undefined;
  const cgroups = new Map<string, CpuCgroup>();
  const cgroupFor = (name: string) => {
    if (!options.accountCpu) return undefined;
    const cgroup = cgroups.get(name) ?? createCpuCgroup(`${prefix}-sshd-${suffix}`, name);
    cgroups.set(name, cgroup);
    return cgroup;
  };

  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await Promise.all(processes.map((proc) => proc.stop()));
    // Every later step runs even if a cgroup will not empty; that failure is reported at the end.
    const removals = await Promise.allSettled([...cgroups.values()].map((cgroup) => cgroup.remove()));
    attempt('ip', ['link', 'del', links.root]);
    attempt('ip', ['netns', 'del', bastionNs]);
    attempt('ip', ['netns', 'del', privateNs]);
    attempt('ip', ['route', 'del', 'unreachable', range, 'metric', metric]);
    if (sudoersFile) rmSync(sudoersFile, { force: true });
    if (user) attempt('userdel', [user]);
    rmSync(dir, { recursive: true, force: true });
    const stuck = removals.find((removal) => removal.status === 'rejected');
    if (stuck) throw stuck.reason;
  };

  try {
    // Safety first: nothing in this range may leave the machine, whatever happens next.
    run('ip', ['route', 'add', 'unreachable', range, 'metric', metric]);
    run('ip', ['netns', 'add', bastionNs]);
    run('ip', ['netns', 'add', privateNs]);
    run('ip', ['link', 'add', links.root, 'type', 'veth', 'peer', 'name', links.bastion, 'netns', bastionNs]);
    run('ip', ['link', 'add', links.bastionInner, 'netns', bastionNs, 'type', 'veth', 'peer', 'name', links.private, 'netns', privateNs]);
    run('ip', ['addr', 'add', `${pub}.1/30`, 'dev', links.root]);
    run('ip', ['link', 'set', links.root, 'up']);
    run('ip', ['-n', bastionNs, 'addr', 'add', `${pub}.2/30`, 'dev', links.bastion]);
    run('ip', ['-n', bastionNs, 'addr', 'add', `${priv}.1/24`, 'dev', links.bastionInner]);
    for (const link of ['lo', links.bastion, links.bastionInner]) run('ip', ['-n', bastionNs, 'link', 'set', link, 'up']);
    const targetAddress = (index: number) => `${priv}.${10 + index}`;
    const unreachableAddress = `${priv}.250`;
    const refusedAddress = `${priv}.251`;
    for (let index = 0; index < count; index += 1) run('ip', ['-n', privateNs, 'addr', 'add', `${targetAddress(index)}/24`, 'dev', links.private]);
    run('ip', ['-n', privateNs, 'addr', 'add', `${refusedAddress}/24`, 'dev', links.private]);
    for (const link of ['lo', links.private]) run('ip', ['-n', privateNs, 'link', 'set', link, 'up']);
    run('ip', ['-n', bastionNs, 'route', 'add', 'unreachable', `${unreachableAddress}/32`]);

    const clientKey = path.join(dir, 'client_ed25519');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${prefix}-client`, '-f', clientKey]);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
    chmodSync(path.join(dir, 'authorized_keys'), 0o644);
    // Debian's sshd refuses to start without its privilege separation directory (normally made by the service unit).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    if (user && sudoersFile) {
      // '*' (not '!') as the password: no password login, but not a "locked" account, which sshd refuses without PAM.
      run('useradd', ['-M', '-d', userHome!, '-s', '/bin/sh', '-p', '*', user]);
      mkdirSync(userHome!, { mode: 0o755 });
      run('chown', [`${user}:`, userHome!]);
      writeFileSync(sudoersFile, `${user} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
    }

    // The bastion keeps sshd's default MaxStartups (10:30:100): the throttle is what keeps play under it.
    const bastion = await startSshd(bastionNs, dir, 'bastion', `${pub}.2`, cgroupFor('bastion'));
    processes.push(bastion);
    // Targets forward too (sshd's default), so a ProxyJump chain can hop through one of them.
    const startTarget = (name: string, index: number) => startSshd(privateNs, dir, name, targetAddress(index), cgroupFor(name));
    const targets = await Promise.all(
      Array.from({ length: count }, async (_, index): Promise<LabTarget> => {
        const name = targetName(index);
        let current = await startTarget(name, index);
        processes.push(current);
        const target: LabTarget = {
          name,
          address: current.address,
          port: current.port,
          hostKeyLine: current.hostKeyLine,
          log: () => current.log(),
          connectionCount: () => current.connectionCount(),
          cpuSeconds: () => current.cpuSeconds(),
          stop: () => current.stop(),
          reboot: async () => {
            for (const pid of processTree(current.pid)) attempt('kill', ['-KILL', String(pid)]);
            await current.stop();
            current = await startTarget(name, index);
            processes.push(current);
          },
        };
        return target;
      }),
    );

    return {
      dir,
      suffix,
      clientKey,
      bastion,
      targets,
      unreachableAddress,
      refusedAddress,
      deadBastionPort: 2299,
      user,
      userHome,
      hostBlocks: (prefix = '') => targets.map((target) => `Host ${prefix}${target.name}\n  HostName ${target.address}\n`).join('\n'),
      writeFile: (name, text, mode = 0o644) => {
        const file = path.join(dir, name);
        writeFileSync(file, text, { mode });
        return file;
      },
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Whether this process may build the lab (root, iproute2, sshd); tests refuse clearly otherwise. */
export function labPrerequisites(): string | undefined {
  if (process.getuid?.() !== 0) return 'the sshd lab needs root (network namespaces)';
  if (!existsSync(SSHD)) return `${SSHD} is missing: apt-get install openssh-server`;
  if (!existsSync('/usr/bin/sudo')) return 'sudo is missing: apt-get install sudo';
  return undefined;
}
