import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createCgroups, hostCgroups } from './host-cgroup';
import { hostDirs, mountHostRoot, personalizeHost } from './host-rootfs';
import { readNspawnPid, startSupervisor } from './host-supervisor';
import type { HostPlan, LabLayout } from './layout';
import { createHostNetwork } from './network';
import { stopProcess } from './processes';
import { LabError } from './exec';
import type { StateWriter } from './state';
import { unmountPatiently } from './teardown';

export const repoDir = (layout: LabLayout): string => path.join(layout.stateDir, 'apt');

/** Network, disk, identity and a running guest for one host; every resource recorded first. */
export async function bootHost(layout: LabLayout, writer: StateWriter, plan: HostPlan, adminKey: string): Promise<void> {
  await createHostNetwork(layout, plan, writer);
  await startHost(layout, writer, plan, adminKey);
}

/** A fresh disk from the base image, new host keys, and the guest started (what EC2 does for a new instance). */
async function startHost(layout: LabLayout, writer: StateWriter, plan: HostPlan, adminKey: string): Promise<void> {
  const dirs = hostDirs(layout.stateDir, plan.name);
  await mountHostRoot(writer.state.baseRootfs, dirs, writer);
  const hostKeys = await personalizeHost(dirs.root, plan.name, adminKey);
  await writer.update((state) => {
    state.hosts = [...state.hosts.filter((host) => host.name !== plan.name), { ...plan, hostKeys }].sort((a, b) => a.index - b.index);
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

/**
 * The lab's `terraform apply -replace`: the host is shut down, its disk thrown away, and a new
 * one boots in its place with the same name and addresses but a new machine id and new host keys.
 */
export async function replaceHost(layout: LabLayout, writer: StateWriter, plan: HostPlan, adminKey: string): Promise<void> {
  const marker = `${layout.stateDir}/`;
  const dirs = hostDirs(layout.stateDir, plan.name);
  const supervisors = writer.state.resources.flatMap((r) => (r.kind === 'process' && r.host === plan.name ? [r.pid] : []));
  await Promise.all(supervisors.map((pid) => stopProcess(pid, marker, 20_000)));
  const nspawn = await readNspawnPid(path.dirname(dirs.root));
  if (nspawn !== undefined) await stopProcess(nspawn, marker, 10_000);
  if (!(await unmountPatiently(dirs.root))) throw new LabError(`${dirs.root} is still mounted; ${plan.name} was stopped but not replaced: run the replace again`);
  await writer.update((state) => {
    state.resources = state.resources.filter((r) => !(r.kind === 'process' && r.host === plan.name) && !(r.kind === 'mount' && r.path === dirs.root));
  });
  await rm(dirs.upper, { recursive: true, force: true });
  await rm(dirs.work, { recursive: true, force: true });
  await startHost(layout, writer, plan, adminKey);
}
