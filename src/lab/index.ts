import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLabRepo, ensureAptPool, publishMarkerUpdate } from './apt-repo';
import { ensureBaseRootfs } from './base-rootfs';
import { forEachLimited, LabError } from './exec';
import { readNspawnPid, startSupervisor } from './host-supervisor';
import { hostDirs, mountHostRoot, personalizeHost } from './host-rootfs';
import { createCgroups, hostCgroups } from './host-cgroup';
import { LAB_STATE_ROOT } from '../contract/lab-state';
import { hostPlan, labLayout, MAX_APPS, type HostPlan, type LabLayout } from './layout';
import { assertHostKnown, createAdminKey, labSshFiles, sshRun, waitForSsh, writeKnownHosts, writeLabSshConfig } from './lab-ssh';
import { configureLoadBalancer, LB_ADMIN_PORT, LB_BACKEND } from './load-balancer';
import { outputFiles, publishOutputs } from './lab-outputs';
import { createHostNetwork, createNetworks, labNetnsNames, refuseOverlappingRoutes, routeExists } from './network';
import { checkPrerequisites } from './preflight';
import { raiseInotifyLimits } from './inotify-limits';
import { commandLine, isAlive } from './processes';
import { readState, StateWriter, type HostRecord, type LabState } from './state';
import { teardownLab } from './teardown';
import type { LabHostStatus, LabInfo, LabStatus } from './types';

export type { LabHostInfo, LabHostStatus, LabInfo, LabStatus } from './types';
export { LabError } from './exec';
export { labStackOutputs } from './lab-outputs';

export interface LabOptions {
  /** Default `default`. Each name gets its own address range, interface names and state directory. */
  name?: string;
  /** Default /var/lib/play-lab/<name> (PLAY_LAB_STATE changes the parent). */
  stateDir?: string;
  /** Progress lines (cold builds take a minute); default: silent. */
  log?: (line: string) => void;
}

export interface LabUpOptions extends LabOptions {
  /** Number of app hosts, default 2. */
  apps?: number;
}

/** Per host, counted from when its turn to be awaited comes; generous because a loaded machine boots slowly. */
const SSH_BOOT_TIMEOUT_MS = 120_000;
const SSH_WAIT_PARALLEL = 8;
const silent = (): void => undefined;

function resolve(options: LabOptions): { layout: LabLayout; log: (line: string) => void } {
  return { layout: labLayout(options.name ?? 'default', options.stateDir), log: options.log ?? silent };
}

/** Creates and boots a lab: bastion, load balancer, logs host and N app hosts. Caches are built on first use. */
export async function labUp(options: LabUpOptions = {}): Promise<LabInfo> {
  checkPrerequisites();
  const { layout, log } = resolve(options);
  const apps = options.apps ?? 2;
  if (!Number.isInteger(apps) || apps < 1 || apps > MAX_APPS) throw new LabError(`--apps ${apps}: expected a whole number from 1 to ${MAX_APPS}`);
  await refuseStaleLab(layout);
  const baseRootfs = await ensureBaseRootfs(log);
  const aptPool = await ensureAptPool(baseRootfs, log);

  const writer = await StateWriter.create(layout.stateDir, {
    name: layout.name,
    octet: layout.octet,
    createdAt: new Date().toISOString(),
    ready: false,
    upPid: process.pid,
    baseRootfs,
    aptPool,
    hosts: [],
    resources: [],
  });
  try {
    await createLabRepo(aptPool, repoDir(layout));
    const adminKey = await createAdminKey(sshFiles(layout).privateKey, layout.name);
    await createNetworks(layout, writer);
    const plans = [hostPlan(layout, 'bastion'), hostPlan(layout, 'lb'), hostPlan(layout, 'logs')];
    for (let n = 1; n <= apps; n += 1) plans.push(hostPlan(layout, 'app', n));
    raiseInotifyLimits(log);
    log(`booting ${plans.length} hosts on ${layout.range}`);
    await Promise.all(plans.map((plan) => bootHost(layout, writer, plan, adminKey)));
    log('hosts started; waiting for SSH');
    await publishLab(layout, writer.state.hosts);
    log('every host answers SSH; configuring the load balancer');
    await configureLoadBalancer(sshFiles(layout).config, hostsWithRole(writer.state, 'lb')[0], hostsWithRole(writer.state, 'app'));
    await writer.update((state) => (state.ready = true));
    return labInfoFrom(layout, writer.state);
  } catch (err) {
    log(`up failed, removing what it created: ${(err as Error).message}`);
    await teardownLab(layout, writer.state, log);
    throw err;
  }
}

/** Removes everything a lab created; fine on a half-created, crashed or already removed lab. */
export async function labDown(options: LabOptions = {}): Promise<void> {
  checkPrerequisites();
  const { layout, log } = resolve(options);
  const state = await readState(layout.stateDir);
  if (!state) return log(`no lab named ${layout.name} (nothing in ${layout.stateDir})`);
  await teardownLab(layout, state, log);
}

export async function labStatus(options: LabOptions = {}): Promise<LabStatus> {
  const { layout } = resolve(options);
  const state = await readState(layout.stateDir);
  if (!state) return { name: layout.name, stateDir: layout.stateDir, exists: false, hosts: [] };
  const marker = `${layout.stateDir}/`;
  const hosts = await Promise.all(
    state.hosts.map(async (host): Promise<LabHostStatus> => {
      const supervisorPid = [...state.resources].reverse().find((r) => r.kind === 'process' && r.host === host.name);
      const nspawnPid = await readNspawnPid(path.dirname(hostDirs(layout.stateDir, host.name).root));
      return {
        name: host.name,
        role: host.role,
        address: host.publicAddress ?? host.privateAddress,
        supervisorPid: supervisorPid?.kind === 'process' ? supervisorPid.pid : undefined,
        nspawnPid,
        running: nspawnPid !== undefined && isAlive(nspawnPid) && (commandLine(nspawnPid)?.includes(marker) ?? false),
      };
    }),
  );
  return { name: layout.name, stateDir: layout.stateDir, exists: true, hosts };
}

/** Facts about a running lab (files, addresses, keys) for tests and other tools. */
export async function labInfo(options: LabOptions = {}): Promise<LabInfo> {
  const { layout } = resolve(options);
  return labInfoFrom(layout, await readyState(layout));
}

/** The scaling rehearsal: one more app host, then outputs, inventory and the HAProxy backend follow. */
export async function labAddApp(options: LabOptions = {}): Promise<HostRecord> {
  checkPrerequisites();
  const { layout, log } = resolve(options);
  const writer = new StateWriter(layout.stateDir, await readyState(layout));
  const numbers = hostsWithRole(writer.state, 'app').map((h) => Number(h.name.replace('app-', '')));
  const next = Math.max(0, ...numbers) + 1;
  if (next > MAX_APPS) throw new LabError(`lab ${layout.name} already has the maximum of ${MAX_APPS} app hosts`);
  const plan = hostPlan(layout, 'app', next);
  const adminKey = await readFile(`${sshFiles(layout).privateKey}.pub`, 'utf8');
  raiseInotifyLimits(log);
  log(`adding ${plan.name} (${plan.privateAddress})`);
  await bootHost(layout, writer, plan, adminKey);
  await publishLab(layout, writer.state.hosts);
  await configureLoadBalancer(sshFiles(layout).config, hostsWithRole(writer.state, 'lb')[0], hostsWithRole(writer.state, 'app'));
  return assertHostKnown(writer.state.hosts, plan.name);
}

/** Publishes lab-marker N+1 (its install asks for a reboot) in the lab's apt repo; returns N+1. */
export async function labPublishUpdate(options: LabOptions = {}): Promise<number> {
  const { layout } = resolve(options);
  await readyState(layout);
  return publishMarkerUpdate(repoDir(layout));
}

/** Marks hosts as needing a reboot, as a kernel update would. */
export async function labMarkRebootRequired(options: LabOptions & { hosts: string[] }): Promise<void> {
  const { layout } = resolve(options);
  const state = await readyState(layout);
  for (const name of options.hosts) assertHostKnown(state.hosts, name);
  await Promise.all(options.hosts.map((host) => sshRun(sshFiles(layout).config, host, 'sudo touch /var/run/reboot-required')));
}

async function bootHost(layout: LabLayout, writer: StateWriter, plan: HostPlan, adminKey: string): Promise<void> {
  const dirs = hostDirs(layout.stateDir, plan.name);
  await createHostNetwork(layout, plan, writer);
  await mountHostRoot(writer.state.baseRootfs, dirs, writer);
  const hostKeys = await personalizeHost(dirs.root, plan.name, adminKey);
  await writer.update((state) => {
    state.hosts.push({ ...plan, hostKeys });
    state.hosts.sort((a, b) => a.index - b.index);
  });
  const cgroups = hostCgroups(`${layout.tag}-${plan.name}`);
  for (const cgroup of cgroups) await writer.record({ kind: 'cgroup', path: cgroup });
  await createCgroups(cgroups);
  const pid = startSupervisor({
    name: plan.name,
    root: dirs.root,
    netns: plan.netns,
    repoDir: repoDir(layout),
    machine: `${layout.tag}-${plan.name}`,
    hostDir: path.dirname(dirs.root),
    cgroups,
  });
  await writer.record({ kind: 'process', host: plan.name, pid });
}

/** known_hosts and ssh configs first (they are how the lab reaches its hosts), then wait for every sshd. */
async function publishLab(layout: LabLayout, hosts: HostRecord[]): Promise<void> {
  const out = outputFiles(layout.stateDir);
  const ssh = sshFiles(layout);
  await mkdir(out.inventoryDir, { recursive: true });
  await writeKnownHosts(ssh.knownHosts, hosts);
  await writeLabSshConfig(ssh, hosts);
  await publishOutputs(layout.name, hosts, out);
  const waitForHost = (host: string): Promise<void> =>
    waitForSsh(ssh.config, host, SSH_BOOT_TIMEOUT_MS).catch(async (err: Error) => {
      const console = path.join(path.dirname(hostDirs(layout.stateDir, host).root), 'console.log');
      const tail = (await readFile(console, 'utf8').catch(() => '')).trim().split('\n').slice(-12).join('\n');
      throw new LabError(`${err.message}\nlast lines of ${console}:\n${tail}`);
    });
  await waitForHost('bastion');
  // Bounded: a burst of ProxyJump connections trips the bastion's sshd MaxStartups (10:30:100).
  await forEachLimited(hosts.filter((h) => h.role !== 'bastion').map((h) => h.name), SSH_WAIT_PARALLEL, waitForHost);
}

async function refuseStaleLab(layout: LabLayout): Promise<void> {
  const state = await readState(layout.stateDir);
  const clean = `remove it with \`play lab down --name ${layout.name}\``;
  if (state) {
    const how = state.ready ? 'is up' : isAlive(state.upPid) ? 'is being created by process ' + state.upPid : 'was left half-created by an interrupted up';
    throw new LabError(`lab ${layout.name} already exists and ${how} (state: ${layout.stateDir}); ${clean}`);
  }
  // down deletes the state directory, so it must be one the lab made, never a directory of the user's.
  if (existsSync(layout.stateDir) && readdirSync(layout.stateDir).length > 0) {
    throw new LabError(`${layout.stateDir} exists and is not a lab's state directory; choose another --name (or state directory)`);
  }
  if ((await routeExists(layout.range)) || (await labNetnsNames(layout.tag)).length > 0) {
    const owner = labNamesClaiming(layout.octet).filter((n) => n !== layout.name);
    throw new LabError(
      owner.length > 0
        ? `lab ${layout.name} would use ${layout.range}, which lab ${owner.join(', ')} uses; pick another --name or \`play lab down --name ${owner[0]}\``
        : `leftovers of a lab on ${layout.range} (${layout.tag}-*) exist without a state file; remove them: \`ip route del unreachable ${layout.range}\` and \`ip netns delete\` each of \`ip netns list | grep ^${layout.tag}-\``,
    );
  }
  // Before the caches are built (minutes), not only when the route is added.
  await refuseOverlappingRoutes(layout.range);
}

function labNamesClaiming(octet: number): string[] {
  try {
    return readdirSync(LAB_STATE_ROOT).filter((name) => {
      try {
        return labLayout(name).octet === octet;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

async function readyState(layout: LabLayout): Promise<LabState> {
  const state = await readState(layout.stateDir);
  if (!state) throw new LabError(`no lab named ${layout.name}: start one with \`play lab up --name ${layout.name}\``);
  if (!state.ready) throw new LabError(`lab ${layout.name} is not up (interrupted or still starting); \`play lab down --name ${layout.name}\` then up again`);
  return state;
}

function hostsWithRole(state: LabState, role: HostRecord['role']): HostRecord[] {
  return state.hosts.filter((h) => h.role === role).sort((a, b) => a.index - b.index);
}

const repoDir = (layout: LabLayout): string => path.join(layout.stateDir, 'apt');
const sshFiles = (layout: LabLayout) => labSshFiles(layout.stateDir, path.join(outputFiles(layout.stateDir).inventoryDir, 'known_hosts'));


function labInfoFrom(layout: LabLayout, state: LabState): LabInfo {
  const out = outputFiles(layout.stateDir);
  const ssh = sshFiles(layout);
  const [lb] = hostsWithRole(state, 'lb');
  return {
    name: layout.name,
    stateDir: layout.stateDir,
    range: layout.range,
    controllerAddress: layout.controllerAddress,
    outputsFile: out.outputsFile,
    inventoryDir: out.inventoryDir,
    hostsFile: path.join(out.inventoryDir, 'hosts.yml'),
    sshConfigFile: path.join(out.inventoryDir, 'ssh.config'),
    knownHostsFile: ssh.knownHosts,
    privateKey: ssh.privateKey,
    labSshConfig: ssh.config,
    sshUser: 'admin',
    loadBalancer: { url: `http://${lb.publicAddress}/`, adminAddress: `${lb.publicAddress}:${LB_ADMIN_PORT}`, backend: LB_BACKEND },
    hosts: state.hosts.map((h) => ({ name: h.name, role: h.role, publicAddress: h.publicAddress, privateAddress: h.privateAddress, hostKey: h.hostKeys[0] })),
  };
}
