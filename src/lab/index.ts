import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { INVENTORY_FILES } from '../bridge/hosts-inventory';
import { LAB_STATE_ROOT } from '../contract/lab-state';
import { createLabRepo, ensureAptPool, publishMarkerUpdate } from './apt-repo';
import { ensureBaseRootfs } from './base-rootfs';
import { forEachLimited, LabError } from './exec';
import { enforceSecurityGroups, securityGroupDrops } from './lab-firewall';
import { bootHost, repoDir, replaceHost } from './host-lifecycle';
import { readNspawnPid } from './host-supervisor';
import { hostDirs } from './host-rootfs';
import { labLayout, LB_HOST, planHosts, switchPort, type HostPlan, type LabLayout } from './layout';
import { assertHostKnown, createAdminKey, labSshFiles, sshRun, trustNewHosts, waitForSsh, writeKnownHosts, writeLabSshConfig } from './lab-ssh';
import { listenerCertificate } from './listener-certificate';
import { configureLoadBalancer, LB_ADMIN_PORT, LB_BACKEND } from './load-balancer';
import { outputFiles, publishOutputs } from './lab-outputs';
import { createNetworks, labNetnsNames, refuseOverlappingRoutes, routeExists } from './network';
import { checkPrerequisites } from './preflight';
import { raiseInotifyLimits } from './inotify-limits';
import { commandLine, isAlive } from './processes';
import { readStackTopology } from './stack/read-stack';
import type { StackTopology } from './stack/topology';
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
  /** The synthesized stack the lab rehearses: `cdktf.out/stacks/<stack>/cdk.tf.json`. */
  stack: string;
}

/** Per host, counted from when its turn to be awaited comes; generous because a loaded machine boots slowly. */
const SSH_BOOT_TIMEOUT_MS = 120_000;
const SSH_WAIT_PARALLEL = 8;
const silent = (): void => undefined;

function resolve(options: LabOptions): { layout: LabLayout; log: (line: string) => void } {
  return { layout: labLayout(options.name ?? 'default', options.stateDir), log: options.log ?? silent };
}

/**
 * Builds a lab from a synthesized stack: a booted host per instance, the load balancer's stand-in,
 * the stack's security groups enforced between them, and its outputs. On a lab that is already
 * up it brings the lab in line with the stack instead (see syncLab). Caches are built on first use.
 */
export async function labUp(options: LabUpOptions): Promise<LabInfo> {
  checkPrerequisites();
  const { layout, log } = resolve(options);
  const existing = await readState(layout.stateDir);
  if (existing?.ready) {
    await syncLab(layout, new StateWriter(layout.stateDir, existing), readStackTopology(path.resolve(options.stack)), log);
    return labInfoFrom(layout, existing);
  }
  await refuseStaleLab(layout);
  const topology = readStackTopology(path.resolve(options.stack));
  const plans = planHosts(layout, topology.instances);
  const baseRootfs = await ensureBaseRootfs(log);
  const aptPool = await ensureAptPool(baseRootfs, log);

  const writer = await StateWriter.create(layout.stateDir, {
    name: layout.name,
    octet: layout.octet,
    createdAt: new Date().toISOString(),
    ready: false,
    upPid: process.pid,
    stackFile: topology.file,
    baseRootfs,
    aptPool,
    hosts: [],
    resources: [],
  });
  try {
    await createLabRepo(aptPool, repoDir(layout));
    const adminKey = await createAdminKey(sshFiles(layout).privateKey, layout.name);
    await createNetworks(layout, writer);
    // Before any host has a network: no flow the stack forbids ever passes, not even during boot.
    const rules = await enforceSecurityGroups(layout, topology, plans, writer);
    raiseInotifyLimits(log);
    log(`booting ${plans.length} hosts on ${layout.range} (${rules} security-group rules enforced)`);
    await Promise.all(plans.map((plan) => bootHost(layout, writer, plan, adminKey)));
    log('hosts started; waiting for SSH');
    await publishLab(layout, topology, writer.state.hosts);
    log('every host answers SSH; configuring the load balancer');
    await configureLabLoadBalancer(layout, topology, writer.state);
    await writer.update((state) => (state.ready = true));
    return labInfoFrom(layout, writer.state);
  } catch (err) {
    log(`up failed, removing what it created: ${(err as Error).message}`);
    await teardownLab(layout, writer.state, log);
    throw err;
  }
}

/**
 * Brings a running lab in line with the stack, as `cdktf deploy` would the real one: a host for
 * each new instance, the security groups and the load balancer's targets as the stack now has
 * them, outputs and inventory rewritten. Hosts that stay are not touched.
 */
async function syncLab(layout: LabLayout, writer: StateWriter, topology: StackTopology, log: (line: string) => void): Promise<void> {
  const plans = planHosts(layout, topology.instances, writer.state.hosts);
  refuseTopologyChanges(writer.state.hosts, plans, topology.file);
  const added = plans.filter((plan) => !writer.state.hosts.some((host) => host.name === plan.name));
  await writer.update((state) => (state.stackFile = topology.file));
  const rules = await enforceSecurityGroups(layout, topology, plans, writer);
  log(`${added.length === 0 ? 'no new hosts' : `adding ${added.map((plan) => `${plan.name} (${plan.privateAddress})`).join(', ')}`}; ${rules} security-group rules enforced`);
  if (added.length > 0) {
    const adminKey = await readFile(`${sshFiles(layout).privateKey}.pub`, 'utf8');
    raiseInotifyLimits(log);
    await Promise.all(added.map((plan) => bootHost(layout, writer, plan, adminKey)));
  }
  await publishLab(layout, topology, writer.state.hosts);
  await configureLabLoadBalancer(layout, topology, writer.state);
  log(`load balancer targets: ${topology.loadBalancer.targets.join(', ') || 'none'}`);
}

/** A host the stack no longer has, or one it moved between subnets, needs a teardown the lab does not do piecemeal. */
function refuseTopologyChanges(hosts: HostRecord[], plans: HostPlan[], file: string): void {
  const problems = hosts.flatMap((host) => {
    const plan = plans.find((p) => p.name === host.name);
    if (!plan) return [`${host.name} is gone from the stack`];
    if (plan.role !== host.role || (plan.publicAddress === undefined) !== (host.publicAddress === undefined)) return [`${host.name} changed role or subnet`];
    return [];
  });
  if (problems.length > 0) throw new LabError(`${file}: ${problems.join('; ')}; the lab adds hosts but does not remove or move them: \`play lab down\` and up again`);
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

/**
 * Replaces an instance as `terraform apply -replace` would: a new disk and new host keys under
 * the same name and addresses. The inventory's known_hosts keeps the old key on purpose, so the
 * next connection is refused until the operator removes it: a changed key is never accepted
 * silently, in the lab as on AWS. Returns the host with its new keys.
 */
export async function labReplaceHost(options: LabOptions & { host: string }): Promise<HostRecord> {
  checkPrerequisites();
  const { layout, log } = resolve(options);
  const writer = new StateWriter(layout.stateDir, await readyState(layout));
  const host = assertHostKnown(writer.state.hosts, options.host);
  if (host.role === 'lb') throw new LabError(`${host.name} is the load balancer's stand-in, not an instance of the stack; nothing replaces it`);
  log(`replacing ${host.name}: stopping it and discarding its disk`);
  const adminKey = await readFile(`${sshFiles(layout).privateKey}.pub`, 'utf8');
  await replaceHost(layout, writer, host, adminKey);
  const ssh = sshFiles(layout);
  await writeKnownHosts(ssh.knownHosts, writer.state.hosts);
  await waitForHosts(layout, host.role === 'bastion' ? ['bastion'] : [host.name]);
  const replaced = assertHostKnown(writer.state.hosts, host.name);
  log(`${host.name} replaced; its new host key is ${replaced.hostKeys[0]}. ${outputFiles(layout.stateDir).inventoryDir}/known_hosts still has the old one`);
  return replaced;
}

/** Flows the security groups dropped since the lab came up, one sentence each. */
export async function labDrops(options: LabOptions = {}): Promise<string[]> {
  const { layout } = resolve(options);
  return securityGroupDrops(layout, await readyState(layout));
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

/** known_hosts and ssh configs first (they are how the lab reaches its hosts), then wait for every sshd. */
async function publishLab(layout: LabLayout, topology: StackTopology, hosts: HostRecord[]): Promise<void> {
  const out = outputFiles(layout.stateDir);
  const ssh = sshFiles(layout);
  await mkdir(out.inventoryDir, { recursive: true });
  await writeKnownHosts(ssh.knownHosts, hosts);
  await trustNewHosts(path.join(out.inventoryDir, INVENTORY_FILES.knownHosts), hosts);
  await writeLabSshConfig(ssh, hosts);
  await publishOutputs(topology, hosts, out);
  await waitForHosts(layout, hosts.map((host) => host.name));
}

async function waitForHosts(layout: LabLayout, names: string[]): Promise<void> {
  const ssh = sshFiles(layout);
  const waitForHost = (host: string): Promise<void> =>
    waitForSsh(ssh.config, host, SSH_BOOT_TIMEOUT_MS).catch(async (err: Error) => {
      const console = path.join(path.dirname(hostDirs(layout.stateDir, host).root), 'console.log');
      const tail = (await readFile(console, 'utf8').catch(() => '')).trim().split('\n').slice(-12).join('\n');
      throw new LabError(`${err.message}\nlast lines of ${console}:\n${tail}`);
    });
  if (names.includes('bastion')) await waitForHost('bastion');
  // Bounded: a burst of ProxyJump connections trips the bastion's sshd MaxStartups (10:30:100).
  await forEachLimited(names.filter((name) => name !== 'bastion'), SSH_WAIT_PARALLEL, waitForHost);
}

async function configureLabLoadBalancer(layout: LabLayout, topology: StackTopology, state: LabState): Promise<void> {
  await configureLoadBalancer({
    sshConfig: sshFiles(layout).config,
    lb: assertHostKnown(state.hosts, LB_HOST),
    balancer: topology.loadBalancer,
    hosts: state.hosts,
    certificate: () => listenerCertificate(layout.stateDir, assertHostKnown(state.hosts, LB_HOST)),
  });
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

const sshFiles = (layout: LabLayout) => labSshFiles(layout.stateDir);


function labInfoFrom(layout: LabLayout, state: LabState): LabInfo {
  const out = outputFiles(layout.stateDir);
  const ssh = sshFiles(layout);
  const lb = assertHostKnown(state.hosts, LB_HOST);
  return {
    name: layout.name,
    stateDir: layout.stateDir,
    stackFile: state.stackFile,
    range: layout.range,
    controllerAddress: layout.controllerAddress,
    outputsFile: out.outputsFile,
    inventoryDir: out.inventoryDir,
    hostsFile: path.join(out.inventoryDir, INVENTORY_FILES.hosts),
    sshConfigFile: path.join(out.inventoryDir, INVENTORY_FILES.sshConfig),
    knownHostsFile: path.join(out.inventoryDir, INVENTORY_FILES.knownHosts),
    privateKey: ssh.privateKey,
    labSshConfig: ssh.config,
    sshUser: 'admin',
    loadBalancer: { url: `http://${lb.publicAddress}/`, adminAddress: `${lb.publicAddress}:${LB_ADMIN_PORT}`, backend: LB_BACKEND },
    hosts: state.hosts.map((h) => ({
      name: h.name,
      role: h.role,
      publicAddress: h.publicAddress,
      privateAddress: h.privateAddress,
      hostKey: h.hostKeys[0],
      switchPort: { netns: layout.switchNetns, link: switchPort(layout, h) },
    })),
  };
}
