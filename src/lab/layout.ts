import { createHash } from 'node:crypto';
import path from 'node:path';
import { LAB_STATE_ROOT } from '../contract/lab-state';
import { LabError } from './exec';
import type { InstanceRole, StackInstance } from './stack/topology';

/** Shared across labs: the base rootfs and the downloaded .debs (slow to make, never lab-specific). */
export const CACHE_ROOT = process.env.PLAY_LAB_CACHE ?? '/var/cache/play-lab';

/** Where every host sees its lab's package repository (bind-mounted read-only). */
export const GUEST_APT_DIR = '/srv/lab-apt';

/*
 * Each lab gets its own /16 inside 10.200.0.0-10.229.255.255 (another engineer's tests own
 * 10.231/16), picked from a hash of its name so the tests' lab and a user's `default` lab sit
 * side by side. Two names can hash alike: `up` refuses when the range is already in use.
 */
const FIRST_OCTET = 200;
const OCTET_COUNT = 30;

export const LAB_NAME = /^[a-z][a-z0-9-]{0,15}$/;

export interface LabLayout {
  name: string;
  stateDir: string;
  /** Second octet of the lab's 10.x.0.0/16. */
  octet: number;
  range: string;
  publicSubnet: string;
  privateSubnet: string;
  controllerAddress: string;
  /** Prefix of every interface and namespace of this lab: `lab` + octet in hex (<=15 chars total). */
  tag: string;
  publicBridge: string;
  /** The private network's switch lives in its own namespace so the root namespace has no leg in it. */
  switchNetns: string;
}

export function labLayout(name: string, stateDir?: string): LabLayout {
  if (!LAB_NAME.test(name)) throw new LabError(`lab name ${JSON.stringify(name)}: use 1-16 of a-z, 0-9, '-', starting with a letter`);
  const octet = FIRST_OCTET + (createHash('sha256').update(name).digest().readUInt32BE(0) % OCTET_COUNT);
  const tag = `lab${octet.toString(16)}`;
  return {
    name,
    stateDir: path.resolve(stateDir ?? path.join(LAB_STATE_ROOT, name)),
    octet,
    range: `10.${octet}.0.0/16`,
    publicSubnet: `10.${octet}.1.0/24`,
    privateSubnet: `10.${octet}.2.0/24`,
    controllerAddress: `10.${octet}.1.1`,
    tag,
    publicBridge: `${tag}pub`,
    switchNetns: `${tag}-sw`,
  };
}

export type HostRole = InstanceRole | 'lb';

export interface HostPlan {
  name: string;
  role: HostRole;
  /** Host number: last octet of its addresses and suffix of its interface names. */
  index: number;
  publicAddress?: string;
  privateAddress: string;
  netns: string;
}

/** The load balancer's stand-in: not an instance of the stack, but a host of the lab. */
export const LB_HOST = 'lb';

const BASTION_INDEX = 2;
const LB_INDEX = 3;
/** Hosts of other roles (the log collector) take the first free of these. */
const OTHER_INDICES = [4, 5, 6, 7, 8, 9];
const FIRST_APP_INDEX = 10;
export const MAX_APPS = 200;

/**
 * The lab's hosts for the stack's instances, and the load balancer's stand-in. A host in a public
 * subnet gets a leg on the public network and one on the private network (the VPC's routing
 * between its subnets, in the lab); a private one only the latter. Hosts the lab already has keep
 * their addresses, so a sync never renumbers a running host.
 */
export function planHosts(layout: LabLayout, instances: StackInstance[], existing: HostPlan[] = []): HostPlan[] {
  const taken = new Map(existing.map((host) => [host.name, host.index]));
  const used = new Set(taken.values());
  const indexFor = (instance: StackInstance): number => {
    const kept = taken.get(instance.name);
    if (kept !== undefined) return kept;
    const index = freshIndex(instance, used);
    used.add(index);
    return index;
  };
  const plans = instances.map((instance) => planAt(layout, instance.name, instance.role, indexFor(instance), instance.public));
  return [...plans, planAt(layout, LB_HOST, 'lb', LB_INDEX, true)].sort((a, b) => a.index - b.index);
}

function freshIndex(instance: StackInstance, used: Set<number>): number {
  if (instance.role === 'bastion') return BASTION_INDEX;
  if (instance.role === 'app') {
    const number = /^app-([1-9]\d*)$/.exec(instance.name)?.[1];
    if (number === undefined || Number(number) > MAX_APPS) throw new LabError(`${instance.address}: the lab numbers app hosts app-1 to app-${MAX_APPS}, not ${instance.name}`);
    return FIRST_APP_INDEX + Number(number);
  }
  const free = OTHER_INDICES.find((index) => !used.has(index));
  if (free === undefined) throw new LabError(`${instance.address}: the lab has room for ${OTHER_INDICES.length} hosts that are neither app hosts nor the bastion`);
  return free;
}

function planAt(layout: LabLayout, name: string, role: HostRole, index: number, publicLeg: boolean): HostPlan {
  return {
    name,
    role,
    index,
    publicAddress: publicLeg ? `10.${layout.octet}.1.${index}` : undefined,
    privateAddress: `10.${layout.octet}.2.${index}`,
    netns: `${layout.tag}-${name}`,
  };
}

/** The host's port on the private switch (in the switch's namespace): down, the host drops off the network. */
export const switchPort = (layout: LabLayout, host: HostPlan): string => `${layout.tag}s${host.index}`;
