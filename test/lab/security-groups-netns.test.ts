import { spawn } from 'node:child_process';
import { overlappingRoutes } from '../../src/lab/network';
import { applySecurityGroups, enforcedRuleCount, readDrops, securityGroupRuleset, securityGroupTable, type SecurityGroupParams } from '../../src/lab/security-groups';
import type { SecurityGroupRule } from '../../src/lab/stack/topology';
import { scratchNetns } from '../support/scratch-netns';

/*
 * The security groups enforced by the real kernel, in throwaway network namespaces (root only).
 * Nothing here is connected to this machine's network: the hosts have no default route, every
 * address is in RANGE, and the root namespace gets only an `unreachable` route for RANGE, so a
 * stray packet for it fails on the spot. Addresses only, never names: no resolver is asked.
 *
 *   switch netns (br0):    a 10.252.0.1   b 10.252.0.2   c 10.252.0.3
 *   "controller" netns:    bridge <tag>pub 10.252.0.65 with p 10.252.0.66 and q 10.252.0.67, as the
 *                          root namespace has the lab's public bridge; and an unrelated leg
 *                          other0 10.252.0.129 to o 10.252.0.130, as the machine's own traffic.
 */
const RANGE = '10.252.0.0/24';
const TAG = `sgt${process.pid}`;
const A = '10.252.0.1';
const B = '10.252.0.2';
const C = '10.252.0.3';
const CONTROLLER = '10.252.0.65';
const P = '10.252.0.66';
const Q = '10.252.0.67';
const OTHER_CONTROLLER = '10.252.0.129';

const scratch = scratchNetns(TAG);
const { ip, inNetns, netns } = scratch;
let routeAdded = false;

/** A bridge whose namespace-wide br_netfilter switch is off, so only applySecurityGroups' per-bridge one can make the rules see its frames. */
function bridge(ns: string, name: string): void {
  inNetns(ns, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0']);
  ip('-n', ns, 'link', 'add', name, 'type', 'bridge');
  ip('-n', ns, 'link', 'set', name, 'up');
}

function plug(outerNs: string, outer: string, hostNs: string, address: string, master?: string): void {
  ip('-n', outerNs, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs);
  ip('-n', outerNs, 'link', 'set', outer, ...(master === undefined ? [] : ['master', master]), 'up');
  ip('-n', hostNs, 'addr', 'add', `${address}/26`, 'dev', 'eth0');
  ip('-n', hostNs, 'link', 'set', 'eth0', 'up');
}

/** Answers `pong:<what it got>` on each port; resolves once it listens on all of them. */
function serve(ns: string, ports: number[]): Promise<void> {
  const program = `const net = require('net'); let left = ${ports.length};
    for (const port of ${JSON.stringify(ports)}) net.createServer((s) => s.on('data', (d) => s.end('pong:' + d))).listen(port, '0.0.0.0', () => { if (--left === 0) console.log('ready'); });`;
  const server = scratch.track(spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', program]));
  return new Promise((resolve, reject) => {
    server.stdout.once('data', () => resolve());
    server.once('exit', (code) => reject(new Error(`server in ${ns} exited with ${code}`)));
  });
}

/** A TCP exchange both ways: `answered`, or how it failed. A dropped SYN shows as `timed out`. */
function exchange(from: string, address: string, port: number): Promise<string> {
  const program = `const s = require('net').connect(${port}, '${address}', () => s.write('ping'));
    s.setTimeout(3000, () => process.exit(2)); s.on('data', (d) => process.exit(String(d) === 'pong:ping' ? 0 : 3)); s.on('error', () => process.exit(1));`;
  const outcomes: Record<number, string> = { 0: 'answered', 1: 'refused', 2: 'timed out', 3: 'garbled' };
  return new Promise((resolve) => spawn('ip', ['netns', 'exec', from, process.execPath, '-e', program]).once('exit', (code) => resolve(outcomes[code ?? -1] ?? `exit ${code}`)));
}

/** The packets counted by the rule carrying a Terraform address, in a chain of the loaded table. */
function ruleCounter(ns: string, chain: string, address: string): number {
  const listing = inNetns(ns, ['nft', 'list', 'chain', 'inet', securityGroupTable(TAG), chain]);
  const packets = new RegExp(`counter packets (\\d+) bytes \\d+ return comment "${address}"`).exec(listing)?.[1];
  if (packets === undefined) throw new Error(`no rule for ${address} in chain ${chain}:\n${listing}`);
  return Number(packets);
}

const rule = (address: string, direction: SecurityGroupRule['direction'], group: string, protocol: SecurityGroupRule['protocol'], peer: SecurityGroupRule['peer'], port?: number): SecurityGroupRule => ({
  address,
  description: address,
  direction,
  group,
  protocol,
  fromPort: port,
  toPort: port,
  peer,
});

const topology = (groups: string[], rules: SecurityGroupRule[]): SecurityGroupParams['topology'] => ({ vpcCidr: '10.0.0.0/16', securityGroups: groups.map((key) => ({ key, name: key })), rules });

beforeAll(async () => {
  const overlapping = await overlappingRoutes(RANGE);
  if (overlapping.length > 0) throw new Error(`refusing to run: ${RANGE} overlaps routes already on this machine (${overlapping.join('; ')}), whose traffic these tests could take`);
  ip('route', 'add', 'unreachable', RANGE);
  routeAdded = true;
});

/** A failed check of the range must stop every setup, not just the first: jest still runs the others. */
function requireProtectedRange(): void {
  if (!routeAdded) throw new Error(`${RANGE} is not protected (see the first failure): not building anything`);
}

afterAll(() => {
  scratch.cleanup();
  if (routeAdded) ip('route', 'delete', 'unreachable', RANGE);
});

describe('on the private switch', () => {
  const ALLOW_HTTP = 'aws_vpc_security_group_ingress_rule.b-in-http-from-a';
  let sw: string;
  let a: string;
  let c: string;

  beforeAll(async () => {
    requireProtectedRange();
    sw = netns('sw');
    bridge(sw, 'br0');
    const hosts = [['a', A], ['b', B], ['c', C]].map(([name, address]) => {
      const ns = netns(name);
      plug(sw, `v${name}`, ns, address, 'br0');
      return ns;
    });
    [a, , c] = hosts;
    await serve(hosts[1], [80, 81]);
    await applySecurityGroups({
      tag: TAG,
      topology: topology(['ga', 'gb', 'gc'], [
        rule('aws_vpc_security_group_egress_rule.a-out-all', 'egress', 'ga', 'all', { cidr: '0.0.0.0/0' }),
        rule(ALLOW_HTTP, 'ingress', 'gb', 'tcp', { group: 'ga' }, 80),
        rule('aws_vpc_security_group_ingress_rule.b-in-http-from-vpc', 'ingress', 'gb', 'tcp', { cidr: '10.0.0.0/16' }, 80),
      ]),
      members: {
        groups: new Map([['ga', [A]], ['gb', [B]], ['gc', [C]]]),
        hosts: [A, B, C].map((address) => ({ subnetCidr: '10.0.1.0/24', addresses: [address] })),
        outside: CONTROLLER,
      },
      point: { kind: 'switch', netns: sw, bridge: 'br0', exemptions: [] },
    });
  });

  test('the kernel holds one rule per rule of the stack', async () => {
    expect(await enforcedRuleCount(sw, TAG)).toBe(3);
  });

  test('a flow both groups allow connects, its replies pass, and its rule counts it', async () => {
    const before = ruleCounter(sw, 'ingress', ALLOW_HTTP);
    expect(await exchange(a, B, 80)).toBe('answered');
    expect(ruleCounter(sw, 'ingress', ALLOW_HTTP)).toBeGreaterThan(before);
  });

  test('denied flows are dropped and reported: no ingress rule (a → b:81), no egress rule (c → b:80)', async () => {
    expect(await Promise.all([exchange(a, B, 81), exchange(c, B, 80)])).toEqual(['timed out', 'timed out']);
    const drops = await readDrops(sw, TAG);
    expect(drops).toEqual(
      expect.arrayContaining([
        { direction: 'ingress', from: A, to: B, protocol: 'tcp', port: 81, packets: expect.any(Number) },
        { direction: 'egress', from: C, to: B, protocol: 'tcp', port: 80, packets: expect.any(Number) },
      ]),
    );
    expect(drops).toHaveLength(2);
    for (const drop of drops) expect(drop.packets).toBeGreaterThanOrEqual(1);
  });
});

/*
 * The root-namespace variant, loaded into a namespace that stands in for the root one: the
 * controller's own connections over the public bridge meet the groups, frames bridged between
 * public hosts too, and traffic over any other interface is left alone.
 */
describe('on the public bridge, as in the root namespace', () => {
  const publicBridge = `${TAG}pub`;
  const P_IN_HTTP = 'aws_vpc_security_group_ingress_rule.p-in-http';
  const P_OUT_HTTP = 'aws_vpc_security_group_egress_rule.p-out-http';
  let controller: string;
  let p: string;
  let o: string;

  beforeAll(async () => {
    requireProtectedRange();
    controller = netns('ctl');
    bridge(controller, publicBridge);
    ip('-n', controller, 'addr', 'add', `${CONTROLLER}/26`, 'dev', publicBridge);
    p = netns('p');
    const q = netns('q');
    o = netns('o');
    plug(controller, `${TAG}p66`, p, P, publicBridge);
    plug(controller, `${TAG}p67`, q, Q, publicBridge);
    plug(controller, 'other0', o, '10.252.0.130');
    ip('-n', controller, 'addr', 'add', `${OTHER_CONTROLLER}/26`, 'dev', 'other0');
    await Promise.all([serve(controller, [80, 81]), serve(p, [80, 81]), serve(q, [22, 80]), serve(o, [81])]);
    const params: SecurityGroupParams = {
      tag: TAG,
      topology: topology(['gp', 'gq'], [
        rule(P_IN_HTTP, 'ingress', 'gp', 'tcp', { cidr: '0.0.0.0/0' }, 80),
        rule(P_OUT_HTTP, 'egress', 'gp', 'tcp', { cidr: '0.0.0.0/0' }, 80),
      ]),
      members: { groups: new Map([['gp', [P]], ['gq', [Q]]]), hosts: [P, Q].map((address) => ({ subnetCidr: '10.0.0.0/24', addresses: [address] })), outside: CONTROLLER },
      point: { kind: 'public-bridge', bridge: publicBridge, exemptions: [{ from: CONTROLLER, to: Q, port: 22 }] },
    };
    // What applySecurityGroups does in the root namespace, done in the stand-in.
    ip('-n', controller, 'link', 'set', publicBridge, 'type', 'bridge', 'nf_call_iptables', '1', 'nf_call_ip6tables', '1');
    inNetns(controller, ['nft', '-f', '-'], securityGroupRuleset(params));
  });

  test('the controller is the outside: its flows meet only the other side\'s groups, and the exemption passes', async () => {
    const [inHttp, outHttp] = [ruleCounter(controller, 'ingress', P_IN_HTTP), ruleCounter(controller, 'egress', P_OUT_HTTP)];
    const outcomes = await Promise.all([exchange(controller, P, 80), exchange(p, CONTROLLER, 80), exchange(controller, Q, 22), exchange(controller, P, 81), exchange(p, CONTROLLER, 81)]);
    expect(outcomes).toEqual(['answered', 'answered', 'answered', 'timed out', 'timed out']);
    expect(ruleCounter(controller, 'ingress', P_IN_HTTP)).toBeGreaterThan(inHttp);
    expect(ruleCounter(controller, 'egress', P_OUT_HTTP)).toBeGreaterThan(outHttp);
    expect(await readDrops(controller, TAG)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ direction: 'ingress', from: CONTROLLER, to: P, protocol: 'tcp', port: 81 }),
        expect.objectContaining({ direction: 'egress', from: P, to: CONTROLLER, protocol: 'tcp', port: 81 }),
      ]),
    );
  });

  test('frames bridged between public hosts meet both sides\' groups', async () => {
    expect(await exchange(p, Q, 80)).toBe('timed out');
    expect(await readDrops(controller, TAG)).toContainEqual(expect.objectContaining({ direction: 'ingress', from: P, to: Q, protocol: 'tcp', port: 80 }));
  });

  test('traffic over any other interface is not touched', async () => {
    expect(await Promise.all([exchange(controller, '10.252.0.130', 81), exchange(o, OTHER_CONTROLLER, 81)])).toEqual(['answered', 'answered']);
  });
});
