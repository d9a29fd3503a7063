import type { HostPlan, LabLayout } from './layout';
import { LB_HOST } from './layout';
import { LB_ADMIN_PORT } from './load-balancer';
import { applySecurityGroups, describeDrop, readDrops, securityGroupTable, type EnforcementPoint, type SecurityGroupMembers } from './security-groups';
import type { StackTopology } from './stack/topology';
import type { LabState, StateWriter } from './state';

const addressesOf = (host: HostPlan): string[] => [host.privateAddress, ...(host.publicAddress === undefined ? [] : [host.publicAddress])];

/** Which lab addresses each of the stack's groups stands for: its instances', and the LB stand-in's for the LB's groups. */
function members(layout: LabLayout, topology: StackTopology, hosts: HostPlan[]): SecurityGroupMembers {
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const groups = new Map<string, string[]>(topology.securityGroups.map((group) => [group.key, []]));
  const join = (keys: string[], host: HostPlan | undefined): void => {
    if (host) for (const key of keys) groups.get(key)?.push(...addressesOf(host));
  };
  for (const instance of topology.instances) join(instance.securityGroups, byName.get(instance.name));
  join(topology.loadBalancer.securityGroups, byName.get(LB_HOST));
  // The LB's subnets are the public ones: a CIDR rule covering them covers its stand-in.
  const lbSubnet = topology.instances.find((instance) => instance.public)?.subnetCidr;
  const hostsBySubnet = [
    ...topology.instances.flatMap((instance) => {
      const host = byName.get(instance.name);
      return host ? [{ subnetCidr: instance.subnetCidr, addresses: addressesOf(host) }] : [];
    }),
    ...(lbSubnet !== undefined && byName.has(LB_HOST) ? [{ subnetCidr: lbSubnet, addresses: addressesOf(byName.get(LB_HOST)!) }] : []),
  ];
  return { groups, hosts: hostsBySubnet, outside: layout.controllerAddress };
}

/**
 * The stand-ins for managed services are managed by the lab, not through the stack's groups: the
 * load balancer from this machine (SSH, HAProxy's runtime API), the database host over SSH from
 * the bastion, the way play reaches it to configure PostgreSQL (on AWS, RDS's API does that).
 */
function enforcementPoints(layout: LabLayout, hosts: HostPlan[]): EnforcementPoint[] {
  const lb = hosts.find((host) => host.name === LB_HOST);
  const lbExemptions = lb?.publicAddress === undefined ? [] : [22, LB_ADMIN_PORT].map((port) => ({ from: layout.controllerAddress, to: lb.publicAddress!, port }));
  const bastions = hosts.filter((host) => host.role === 'bastion');
  const databaseExemptions = hosts
    .filter((host) => host.role === 'database')
    .flatMap((db) => bastions.map((bastion) => ({ from: bastion.privateAddress, to: db.privateAddress, port: 22 })));
  return [
    { kind: 'switch', netns: layout.switchNetns, bridge: 'br0', exemptions: databaseExemptions },
    { kind: 'public-bridge', bridge: layout.publicBridge, exemptions: lbExemptions },
  ];
}

/**
 * Loads the stack's security groups on both of the lab's networks (replacing what was there, so a
 * sync applies the stack's current rules; connections already open go on, as on AWS). Returns the
 * number of rules enforced.
 */
export async function enforceSecurityGroups(layout: LabLayout, topology: StackTopology, hosts: HostPlan[], writer: StateWriter): Promise<number> {
  const table = securityGroupTable(layout.tag);
  if (!writer.state.resources.some((r) => r.kind === 'nftables' && r.table === table)) await writer.record({ kind: 'nftables', table });
  const memberAddresses = members(layout, topology, hosts);
  for (const point of enforcementPoints(layout, hosts)) await applySecurityGroups({ tag: layout.tag, topology, members: memberAddresses, point });
  return topology.rules.length;
}

/** Every flow dropped on either network since the rules were last loaded, named by host. */
export async function securityGroupDrops(layout: LabLayout, state: LabState): Promise<string[]> {
  const names = new Map<string, string>([[layout.controllerAddress, 'outside']]);
  for (const host of state.hosts) for (const address of addressesOf(host)) names.set(address, host.name);
  const drops = [...(await readDrops(layout.switchNetns, layout.tag)), ...(await readDrops(undefined, layout.tag))];
  return drops.map((drop) => describeDrop(drop, names));
}
