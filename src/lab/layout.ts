import { createHash } from 'node:crypto';
import path from 'node:path';
import { LAB_STATE_ROOT } from '../contract/lab-state';
import { LabError } from './exec';

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

export type HostRole = 'bastion' | 'lb' | 'logs' | 'app';

export interface HostPlan {
  name: string;
  role: HostRole;
  /** Host number: last octet of its addresses and suffix of its interface names. */
  index: number;
  publicAddress?: string;
  privateAddress: string;
  netns: string;
}

const FIXED_INDEX: Record<Exclude<HostRole, 'app'>, number> = { bastion: 2, lb: 3, logs: 4 };
const FIRST_APP_INDEX = 10;
export const MAX_APPS = 200;

/** The bastion and the load balancer have a leg in both networks, like their AWS counterparts in public subnets. */
export function hostPlan(layout: LabLayout, role: HostRole, appNumber = 0): HostPlan {
  const index = role === 'app' ? FIRST_APP_INDEX + appNumber : FIXED_INDEX[role];
  const name = role === 'app' ? `app-${appNumber}` : role;
  const dualHomed = role === 'bastion' || role === 'lb';
  return {
    name,
    role,
    index,
    publicAddress: dualHomed ? `10.${layout.octet}.1.${index}` : undefined,
    privateAddress: `10.${layout.octet}.2.${index}`,
    netns: `${layout.tag}-${name}`,
  };
}
