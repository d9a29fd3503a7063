import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { LabError, sleep, tryRun } from './exec';
import type { LabLayout } from './layout';
import { deleteLink, deleteNetns, deleteNftTable, deleteRoute, forwardFilterTable, labLinkNames, labNetnsNames } from './network';
import { readNspawnPid } from './host-supervisor';
import { securityGroupTable } from './security-groups';
import { labCgroups, removeCgroupTrees } from './host-cgroup';
import { commandLine, stopProcess } from './processes';
import type { LabState } from './state';

/** How long a guest's last process may take to die (see removeCgroupTrees); the state stays until it has, so `down` can be run again. */
const GUEST_EXIT_TIMEOUT_MS = 180_000;

/*
 * Undo in reverse dependency order: processes (they hold the mounts and namespaces), mounts,
 * namespaces, links, then the forwarding filter and the unreachable route, so the safety nets
 * outlive every lab interface. Each step is a no-op when its thing is gone, and each also sweeps
 * for things a crash kept out of the state file (they carry the lab's directory or its name tag).
 */
export async function teardownLab(layout: LabLayout, state: LabState, log: (line: string) => void): Promise<void> {
  const marker = `${layout.stateDir}/`;
  log(`stopping hosts of lab ${layout.name}`);
  const supervisors = state.resources.flatMap((r) => (r.kind === 'process' ? [r.pid] : []));
  await Promise.all(supervisors.map((pid) => stopProcess(pid, marker, 20_000)));
  const hostsDir = path.join(layout.stateDir, 'hosts');
  const hostDirs = existsSync(hostsDir) ? readdirSync(hostsDir).map((h) => path.join(hostsDir, h)) : [];
  const nspawns = (await Promise.all(hostDirs.map(readNspawnPid))).filter((pid): pid is number => pid !== undefined);
  await Promise.all(nspawns.map((pid) => stopProcess(pid, marker, 10_000)));
  await Promise.all(labProcessesLeft(marker).map((pid) => stopProcess(pid, marker, 5_000)));
  const cgroups = [...new Set([...state.resources.flatMap((r) => (r.kind === 'cgroup' ? [r.path] : [])), ...labCgroups(layout.tag)])];
  const cgroupsLeft = await removeCgroupTrees(cgroups, GUEST_EXIT_TIMEOUT_MS, log);

  const recordedMounts = state.resources.flatMap((r) => (r.kind === 'mount' ? [r.path] : []));
  for (const target of new Set([...recordedMounts, ...mountsUnder(marker)])) await unmountPatiently(target);
  const leftover = mountsUnder(marker);
  if (leftover.length > 0) throw new LabError(`still mounted, not removing ${layout.stateDir}: ${leftover.join(', ')}; unmount them and run down again`);

  const recordedNetns = state.resources.flatMap((r) => (r.kind === 'netns' ? [r.name] : []));
  for (const name of new Set([...recordedNetns, ...(await labNetnsNames(layout.tag))])) await deleteNetns(name);
  const recordedLinks = state.resources.flatMap((r) => (r.kind === 'link' ? [r.name] : []));
  for (const name of new Set([...recordedLinks, ...(await labLinkNames(layout.tag))])) await deleteLink(name);
  const recordedTables = state.resources.flatMap((r) => (r.kind === 'nftables' ? [r.table] : []));
  for (const table of new Set([...recordedTables, forwardFilterTable(layout.tag), securityGroupTable(layout.tag)])) await deleteNftTable(table);
  for (const r of state.resources) if (r.kind === 'route') await deleteRoute(r.destination);

  if (cgroupsLeft.length > 0) {
    throw new LabError(`lab ${layout.name} is removed but for its host cgroups ${cgroupsLeft.join(', ')}: a process in them outlived SIGKILL for ${GUEST_EXIT_TIMEOUT_MS / 60_000} min; run down again once it is gone`);
  }
  await rm(layout.stateDir, { recursive: true, force: true });
  log(`lab ${layout.name} removed`);
}

/** The lab's own programs (supervisors, nspawn) left unrecorded by a crash; never, say, an editor open on a lab file. */
function labProcessesLeft(marker: string): number[] {
  const ours = (cmdline: string): boolean => cmdline.includes(marker) && /^(systemd-nspawn|bash -c) /.test(cmdline);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && ours(commandLine(pid) ?? ''));
}

/** Mount points at or below the lab's directory, deepest first. */
function mountsUnder(marker: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((target): target is string => target !== undefined && `${target}/`.startsWith(marker))
    .sort((a, b) => b.length - a.length);
}

/** An overlay can stay busy for a moment after its guest's last process exits. False: still mounted. */
export async function unmountPatiently(target: string): Promise<boolean> {
  for (let attempt = 0; attempt < 25; attempt += 1) {
    if (!mountsUnder(`${target}/`).includes(target)) return true;
    if ((await tryRun('umount', [target])).code === 0) return true;
    await sleep(200);
  }
  return false;
}
