import { existsSync } from 'node:fs';
import { BlockList, isIPv4 } from 'node:net';
import { LabError, run, type RunResult } from './exec';
import type { SecurityGroupRule, StackTopology } from './stack/topology';

/*
 * The stack's security groups, enforced by nftables where the lab's traffic meets: in the private
 * switch's namespace (every frame between private legs) and, in the root namespace, on the public
 * bridge (frames between public hosts, and the controller's own traffic to and from them). The
 * same rules go to both places; only the hooks differ.
 *
 * AWS's semantics: a new flow passes when an egress rule of one of the source's groups allows it
 * and an ingress rule of one of the destination's groups allows it; replies of allowed flows pass.
 * The controller stands for everything outside the VPC (admins, the internet), which has no
 * groups: flows from it meet only the destination's ingress, flows to it only the source's egress.
 */

export const securityGroupTable = (tag: string): string => `play_sg_${tag}`;

/** Who is what, in lab addresses. Independent of the lab's state, so the ruleset stays a pure function. */
export interface SecurityGroupMembers {
  /**
   * Each group's members, by group key: an instance's private address and, for a host in a
   * public subnet, its public address; the load balancer stand-in's under the LB's groups.
   */
  groups: ReadonlyMap<string, readonly string[]>;
  /** Every lab host with the stack subnet it stands in, for CIDR rules inside the VPC. */
  hosts: ReadonlyArray<{ subnetCidr: string; addresses: readonly string[] }>;
  /** The controller's address on the public bridge: every address outside the VPC. */
  outside: string;
}

/**
 * A TCP connection (`from` → `to`:`port`) that passes whatever the groups say: the lab's own
 * management of its stand-ins for managed services (SSH and HAProxy's runtime API on the load
 * balancer, SSH to the database host through the bastion), which stands for AWS's API, not for
 * traffic a security group sees.
 */
export interface Exemption {
  from: string;
  to: string;
  port: number;
}

/** Where the rules are enforced; `bridge` carries the lab's frames there. */
export type EnforcementPoint =
  /** The private switch's own namespace: everything forwarded in it is the lab's. */
  | { kind: 'switch'; netns: string; bridge: string; exemptions: readonly Exemption[] }
  /** The root namespace, shared with the machine: the table touches only the public bridge's traffic. */
  | { kind: 'public-bridge'; bridge: string; exemptions: readonly Exemption[] };

export interface SecurityGroupParams {
  tag: string;
  topology: Pick<StackTopology, 'vpcCidr' | 'securityGroups' | 'rules'>;
  members: SecurityGroupMembers;
  point: EnforcementPoint;
}

export type Direction = 'egress' | 'ingress';

export interface DroppedFlow {
  direction: Direction;
  from: string;
  to: string;
  protocol: 'tcp' | 'udp';
  port: number;
  packets: number;
}

const DIRECTIONS: readonly Direction[] = ['egress', 'ingress'];
/** nft refuses longer comments. */
const COMMENT_MAX = 128;
/** Bounds the memory a flood of distinct denied flows can take; a full set still drops (see dropTail). */
const DROP_SET_SIZE = 65535;

const dropSet = (direction: Direction): string => `${direction}_drops`;
const otherDropCounter = (direction: Direction): string => `${direction}_drops_other`;

/**
 * The whole `nft -f` text for one enforcement point. It replaces the table atomically (declare,
 * delete, define in one transaction), so reloading it never leaves a moment without the rules;
 * it does start the counters and the recorded drops afresh. Tracked connections survive a reload,
 * as AWS keeps tracked connections when a rule is removed.
 *
 * Each rule of a group is one nft rule in its direction's chain that counts and `return`s: a
 * return means "allowed", and falling off the end of the chain records the flow and drops it.
 * That needs no packet mark, which in the root namespace would share bits with whatever else
 * marks the machine's packets (policy routing, VPNs, container networking).
 */
export function securityGroupRuleset(params: SecurityGroupParams): string {
  const table = securityGroupTable(params.tag);
  const sets = new AddressSets(params);
  const ruleLines = (direction: Direction): string[] => params.topology.rules.filter((r) => r.direction === direction).map((r) => ruleLine(r, sets));
  const body = [
    ...chain('egress', [...ruleLines('egress'), ...dropTail('egress')]),
    ...chain('ingress', [...ruleLines('ingress'), ...dropTail('ingress')]),
    ...chain('before_groups', beforeGroups(params.point)),
    ...hookChains(params.point),
  ];
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    ...sets.declarations().map((line) => `  ${line}`),
    ...DIRECTIONS.map((d) => `  set ${dropSet(d)} { type ipv4_addr . ipv4_addr . inet_proto . inet_service; size ${DROP_SET_SIZE}; flags dynamic; counter; }`),
    ...DIRECTIONS.map((d) => `  counter ${otherDropCounter(d)} { }`),
    ...body,
    '}',
    '',
  ].join('\n');
}

function chain(name: string, lines: string[]): string[] {
  return [`  chain ${name} {`, ...lines.map((line) => `    ${line}`), '  }'];
}

function ruleLine(rule: SecurityGroupRule, sets: AddressSets): string {
  const own = sets.group(rule.group, rule.address);
  const peer = 'group' in rule.peer ? sets.group(rule.peer.group, rule.address) : sets.cidr(rule.peer.cidr);
  const [source, destination] = rule.direction === 'egress' ? [own, peer] : [peer, own];
  return `ip saddr @${source} ip daddr @${destination} ${protocolMatch(rule)}counter return comment ${quote(rule.address)}`;
}

function protocolMatch(rule: SecurityGroupRule): string {
  if (rule.protocol === 'all') return '';
  if (rule.protocol === 'icmp') return 'meta l4proto icmp ';
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  if (from <= 0 && to >= 65535) return `meta l4proto ${rule.protocol} `;
  return `${rule.protocol} dport ${from === to ? from : `${from}-${to}`} `;
}

/**
 * Denied TCP and UDP flows go to a set keyed by the flow, with a counter per element; a port
 * means nothing for ICMP and the rest, so those only count. The last rule drops unconditionally:
 * when the set is full the `add` fails and evaluation falls through to it, still dropping.
 */
function dropTail(direction: Direction): string[] {
  return [
    `meta l4proto { tcp, udp } add @${dropSet(direction)} { ip saddr . ip daddr . meta l4proto . th dport } drop`,
    `counter name ${otherDropCounter(direction)} drop`,
  ];
}

/**
 * What is settled before the groups are asked. IPv6 is dropped outright (the lab, like the stack
 * reader, is IPv4 only); replies of flows already let through pass, as AWS's groups are stateful.
 */
function beforeGroups(point: EnforcementPoint): string[] {
  return [
    'meta nfproto ipv6 counter drop',
    'ct state established,related accept',
    'ct state invalid counter drop',
    ...point.exemptions.map((e) => `ip saddr ${address(e.from)} ip daddr ${address(e.to)} tcp dport ${e.port} accept comment "the lab's own management, standing for AWS's API"`),
  ];
}

/**
 * Every base chain is guarded by the bridge's name, so in the root namespace the table judges
 * only the lab's public bridge: bridged frames between its hosts (br_netfilter shows them to
 * `forward` with the bridge as both interfaces) and the controller's traffic over it.
 */
function hookChains(point: EnforcementPoint): string[] {
  const bridge = quote(point.bridge);
  const hook = (name: string, rule: string): string[] => chain(name, [`type filter hook ${name} priority filter; policy accept;`, rule]);
  const betweenHosts = [
    ...chain('between_hosts', ['jump before_groups', 'jump egress', 'jump ingress', 'accept']),
    ...hook('forward', `iifname ${bridge} oifname ${bridge} jump between_hosts`),
  ];
  if (point.kind === 'switch') return betweenHosts;
  return [
    ...betweenHosts,
    ...chain('from_outside', ['jump before_groups', 'jump ingress', 'accept']),
    ...hook('output', `oifname ${bridge} jump from_outside`),
    ...chain('to_outside', ['jump before_groups', 'jump egress', 'accept']),
    ...hook('input', `iifname ${bridge} jump to_outside`),
  ];
}

/** The named address sets: one per group (`g_<key>`), one per IPv4 range a rule names (`c_<range>`). */
class AddressSets {
  private readonly groupSets = new Map<string, string>();
  private readonly cidrSets = new Map<string, string>();
  private readonly members = new Map<string, string[]>();
  private readonly vpc: Cidr;

  constructor(private readonly params: SecurityGroupParams) {
    this.vpc = parseCidr(params.topology.vpcCidr);
    for (const { key } of params.topology.securityGroups) {
      const name = `g_${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      if (this.members.has(name)) throw new LabError(`security groups ${key} and another group both map to the nft set ${name}`);
      this.groupSets.set(key, name);
      this.members.set(name, [...(params.members.groups.get(key) ?? [])]);
    }
  }

  group(key: string, ruleAddress: string): string {
    const name = this.groupSets.get(key);
    if (name === undefined) throw new LabError(`${ruleAddress} names security group ${key}, which the stack does not have`);
    return name;
  }

  cidr(text: string): string {
    const name = `c_${text.replace(/[./]/g, '_')}`;
    if (!this.cidrSets.has(text)) {
      this.cidrSets.set(text, name);
      this.members.set(name, this.cidrMembers(parseCidr(text)));
    }
    return name;
  }

  /**
   * Ranges are mapped by where they lie against the VPC (two CIDR blocks either nest or are
   * disjoint): inside it, the hosts whose stack subnet lies inside the range; wider than it,
   * every host and the outside; elsewhere, only the outside.
   */
  private cidrMembers(range: Cidr): string[] {
    const { hosts, outside } = this.params.members;
    if (contains(this.vpc, range)) return hosts.filter((h) => contains(range, parseCidr(h.subnetCidr))).flatMap((h) => h.addresses);
    if (contains(range, this.vpc)) return [...hosts.flatMap((h) => h.addresses), outside];
    return [outside];
  }

  /** Declared after every rule line is made, so the ranges the rules named are all here. */
  declarations(): string[] {
    return [...this.members].map(([name, addresses]) => {
      const unique = [...new Set(addresses.map(address))].sort();
      const elements = unique.length === 0 ? '' : ` elements = { ${unique.join(', ')} };`;
      return `set ${name} { type ipv4_addr;${elements} }`;
    });
  }
}

interface Cidr {
  address: string;
  prefix: number;
}

function parseCidr(text: string): Cidr {
  const [addressText, prefixText, ...rest] = text.split('/');
  const prefix = Number(prefixText);
  if (rest.length > 0 || !isIPv4(addressText) || !/^\d{1,2}$/.test(prefixText ?? '') || prefix > 32) throw new LabError(`${JSON.stringify(text)} is not an IPv4 CIDR block`);
  return { address: addressText, prefix };
}

function contains(outer: Cidr, inner: Cidr): boolean {
  const block = new BlockList();
  block.addSubnet(outer.address, outer.prefix, 'ipv4');
  return inner.prefix >= outer.prefix && block.check(inner.address, 'ipv4');
}

function address(text: string): string {
  if (!isIPv4(text)) throw new LabError(`${JSON.stringify(text)} is not an IPv4 address`);
  return text;
}

/** nft strings have no escapes: a quote or a control character could not be written at all. */
function quote(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]|"/g, '_').slice(0, COMMENT_MAX)}"`;
}

/** Loads the ruleset where it belongs, after making the bridge hand its frames to nftables. */
export async function applySecurityGroups(params: SecurityGroupParams): Promise<void> {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    throw new LabError('enforcing security groups needs the br_netfilter module (without it bridged frames never reach nftables): run `modprobe br_netfilter`');
  }
  const netns = params.point.kind === 'switch' ? params.point.netns : undefined;
  // The bridge's own switch rather than the namespace-wide sysctl: in the root namespace that
  // sysctl would send every other bridge of the machine through its firewall too.
  await run('ip', [...(netns === undefined ? [] : ['-n', netns]), 'link', 'set', params.point.bridge, 'type', 'bridge', 'nf_call_iptables', '1', 'nf_call_ip6tables', '1']);
  await nft(netns, ['-f', '-'], securityGroupRuleset(params));
}

function nft(netns: string | undefined, args: string[], input?: string): Promise<RunResult> {
  return netns === undefined ? run('nft', args, { input }) : run('ip', ['netns', 'exec', netns, 'nft', ...args], { input });
}

/** The flows each direction's check dropped since the table was loaded, with their packet counts. */
export async function readDrops(netns: string | undefined, tag: string): Promise<DroppedFlow[]> {
  const listings = await Promise.all(
    DIRECTIONS.map(async (direction) => parseDropSet(direction, (await nft(netns, ['-j', 'list', 'set', 'inet', securityGroupTable(tag), dropSet(direction)])).stdout)),
  );
  return listings.flat();
}

/**
 * The security-group rules the kernel holds for the table: what is enforced, read back rather
 * than assumed from what was loaded.
 */
export async function enforcedRuleCount(netns: string | undefined, tag: string): Promise<number> {
  const listing = JSON.parse((await nft(netns, ['-j', 'list', 'table', 'inet', securityGroupTable(tag)])).stdout) as NftTableListing;
  return (listing.nftables ?? []).filter(({ rule }) => rule !== undefined && DIRECTIONS.includes(rule.chain as Direction) && rule.comment !== undefined).length;
}

interface NftTableListing {
  nftables?: Array<{ rule?: { chain?: string; comment?: string } }>;
}

interface NftSetListing {
  nftables?: Array<{ set?: { elem?: Array<{ elem?: { val?: { concat?: unknown[] }; counter?: { packets?: number } } }> } }>;
}

const PROTOCOLS: Record<string, 'tcp' | 'udp'> = { tcp: 'tcp', udp: 'udp', '6': 'tcp', '17': 'udp' };

function parseDropSet(direction: Direction, json: string): DroppedFlow[] {
  const listing = JSON.parse(json) as NftSetListing;
  const elements = (listing.nftables ?? []).flatMap((entry) => entry.set?.elem ?? []);
  return elements.map((element) => {
    const [from, to, protocol, port] = element.elem?.val?.concat ?? [];
    const packets = element.elem?.counter?.packets;
    const known = PROTOCOLS[String(protocol)];
    if (typeof from !== 'string' || typeof to !== 'string' || known === undefined || typeof port !== 'number' || typeof packets !== 'number') {
      throw new LabError(`unexpected element in nft's listing of ${dropSet(direction)}: ${JSON.stringify(element)}`);
    }
    return { direction, from, to, protocol: known, port, packets };
  });
}

/** E.g. `app-1 (10.x.2.11) → logs (10.x.2.4) tcp/6514: 3 packets dropped: no ingress rule of logs' groups allows it`. */
export function describeDrop(drop: DroppedFlow, names: ReadonlyMap<string, string>): string {
  const who = (address: string): string => {
    const name = names.get(address);
    return name === undefined ? address : `${name} (${address})`;
  };
  const judged = drop.direction === 'egress' ? drop.from : drop.to;
  const owner = names.get(judged) ?? judged;
  const possessive = owner.endsWith('s') ? `${owner}'` : `${owner}'s`;
  const packets = drop.packets === 1 ? '1 packet' : `${drop.packets} packets`;
  return `${who(drop.from)} → ${who(drop.to)} ${drop.protocol}/${drop.port}: ${packets} dropped: no ${drop.direction} rule of ${possessive} groups allows it`;
}
