import { execFileSync } from 'node:child_process';
import {
  describeDrop,
  securityGroupRuleset,
  securityGroupTable,
  type EnforcementPoint,
  type SecurityGroupMembers,
  type SecurityGroupParams,
} from '../../src/lab/security-groups';
import type { SecurityGroupRule } from '../../src/lab/stack/topology';

/*
 * A small stack in the shape of stacks/security-groups.ts: VPC 10.0.0.0/16 with a public subnet
 * (bastion, load balancer) and a private one (app-1, logs). Lab addresses are 10.9.1.x (public
 * bridge, controller .1) and 10.9.2.x (private switch).
 */
const TAG = 'lab9';
const OUTSIDE = '10.9.1.1';
const BASTION = ['10.9.1.2', '10.9.2.2'];
const LB = ['10.9.1.3', '10.9.2.3'];
const APP = ['10.9.2.10'];
const LOGS = ['10.9.2.4'];
const HOSTS = [...BASTION, ...LB, ...APP, ...LOGS];

const LONG_ADDRESS = `aws_vpc_security_group_egress_rule.${'x'.repeat(150)}`;

const rule = (address: string, direction: SecurityGroupRule['direction'], group: string, protocol: SecurityGroupRule['protocol'], peer: SecurityGroupRule['peer'], ports?: [number, number]): SecurityGroupRule => ({
  address,
  description: address,
  direction,
  group,
  protocol,
  fromPort: ports?.[0],
  toPort: ports?.[1],
  peer,
});

const RULES: SecurityGroupRule[] = [
  rule('aws_vpc_security_group_ingress_rule.alb-in-http', 'ingress', 'alb', 'tcp', { cidr: '0.0.0.0/0' }, [80, 80]),
  rule('aws_vpc_security_group_egress_rule.alb-out-app', 'egress', 'alb', 'tcp', { group: 'app' }, [80, 80]),
  rule('aws_vpc_security_group_ingress_rule.bastion-in-ssh-1', 'ingress', 'bastion', 'tcp', { cidr: '203.0.113.0/24' }, [22, 22]),
  rule('aws_vpc_security_group_egress_rule.bastion-out-ssh', 'egress', 'bastion', 'tcp', { cidr: '10.0.0.0/16' }, [22, 22]),
  rule('aws_vpc_security_group_ingress_rule.app-in-http', 'ingress', 'app', 'tcp', { group: 'alb' }, [80, 80]),
  rule('aws_vpc_security_group_egress_rule.app-out-syslog', 'egress', 'app', 'tcp', { cidr: '10.0.128.0/20' }, [6514, 6514]),
  rule('aws_vpc_security_group_ingress_rule.logs-in-syslog', 'ingress', 'logs', 'tcp', { group: 'app' }, [6514, 6514]),
  rule('aws_vpc_security_group_egress_rule.logs-out-ephemeral', 'egress', 'logs', 'udp', { cidr: '0.0.0.0/0' }, [1024, 65535]),
  rule('aws_vpc_security_group_egress_rule.app-out-ping', 'egress', 'app', 'icmp', { cidr: '0.0.0.0/0' }),
  rule(LONG_ADDRESS, 'egress', 'logs', 'all', { group: 'logs' }),
];

const MEMBERS: SecurityGroupMembers = {
  groups: new Map([
    ['alb', LB],
    ['bastion', BASTION],
    ['app', APP],
    ['logs', LOGS],
  ]),
  hosts: [
    { subnetCidr: '10.0.0.0/20', addresses: BASTION },
    { subnetCidr: '10.0.0.0/20', addresses: LB },
    { subnetCidr: '10.0.128.0/20', addresses: APP },
    { subnetCidr: '10.0.128.0/20', addresses: LOGS },
  ],
  outside: OUTSIDE,
};

const EXEMPTIONS = [
  { from: OUTSIDE, to: LB[0], port: 22 },
  { from: OUTSIDE, to: LB[0], port: 9999 },
];

const SWITCH: EnforcementPoint = { kind: 'switch', netns: `${TAG}-sw`, bridge: 'br0', exemptions: [] };
const PUBLIC: EnforcementPoint = { kind: 'public-bridge', bridge: `${TAG}pub`, exemptions: EXEMPTIONS };

const params = (point: EnforcementPoint, rules = RULES): SecurityGroupParams => ({
  tag: TAG,
  topology: { vpcCidr: '10.0.0.0/16', securityGroups: ['alb', 'bastion', 'app', 'logs'].map((key) => ({ key, name: key })), rules },
  members: MEMBERS,
  point,
});

const switchText = securityGroupRuleset(params(SWITCH));
const publicText = securityGroupRuleset(params(PUBLIC));

/** The elements of a named address set, as declared in the text. */
function setMembers(text: string, name: string): string[] {
  const line = text.split('\n').find((l) => l.trim().startsWith(`set ${name} {`));
  if (line === undefined) throw new Error(`no set ${name} in the ruleset`);
  return (/elements = \{ ([^}]*) \}/.exec(line)?.[1].split(', ') ?? []).sort();
}

/** The lines of one chain's body. */
function chainLines(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `chain ${name} {`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '}');
  return lines.slice(start + 1, end).map((l) => l.trim());
}

describe('the security groups as nftables', () => {
  test('each group is a set of its members\' lab addresses', () => {
    expect(setMembers(switchText, 'g_alb')).toEqual([...LB].sort());
    expect(setMembers(switchText, 'g_bastion')).toEqual([...BASTION].sort());
    expect(setMembers(switchText, 'g_app')).toEqual(APP);
    expect(setMembers(switchText, 'g_logs')).toEqual(LOGS);
  });

  test.each([
    ['a range wider than the VPC: every host and the outside', 'c_0_0_0_0_0', [...HOSTS, OUTSIDE]],
    ['the VPC itself: every host, not the outside', 'c_10_0_0_0_16', HOSTS],
    ['a subnet: the hosts in it', 'c_10_0_128_0_20', [...APP, ...LOGS]],
    ['a range outside the VPC: the outside only', 'c_203_0_113_0_24', [OUTSIDE]],
  ])('%s', (_what, set, members) => {
    expect(setMembers(switchText, set)).toEqual([...members].sort());
  });

  test('one counted rule per rule of the stack, carrying its Terraform address (cut to nft\'s 128 characters)', () => {
    const ruleLines = [...chainLines(switchText, 'egress'), ...chainLines(switchText, 'ingress')].filter((l) => l.includes(' counter return comment '));
    expect(ruleLines).toHaveLength(RULES.length);
    for (const r of RULES.slice(0, -1)) expect(ruleLines.filter((l) => l.endsWith(`comment "${r.address}"`))).toHaveLength(1);
    expect(ruleLines.filter((l) => l.endsWith(`comment "${LONG_ADDRESS.slice(0, 128)}"`))).toHaveLength(1);
  });

  test('a rule checks its own group on its side and the peer on the other, with its protocol and ports', () => {
    expect(chainLines(switchText, 'ingress')).toContain('ip saddr @g_app ip daddr @g_logs tcp dport 6514 counter return comment "aws_vpc_security_group_ingress_rule.logs-in-syslog"');
    expect(chainLines(switchText, 'egress')).toEqual(
      expect.arrayContaining([
        'ip saddr @g_app ip daddr @c_10_0_128_0_20 tcp dport 6514 counter return comment "aws_vpc_security_group_egress_rule.app-out-syslog"',
        'ip saddr @g_logs ip daddr @c_0_0_0_0_0 udp dport 1024-65535 counter return comment "aws_vpc_security_group_egress_rule.logs-out-ephemeral"',
        'ip saddr @g_app ip daddr @c_0_0_0_0_0 meta l4proto icmp counter return comment "aws_vpc_security_group_egress_rule.app-out-ping"',
        `ip saddr @g_logs ip daddr @g_logs counter return comment "${LONG_ADDRESS.slice(0, 128)}"`,
      ]),
    );
  });

  test('what no rule allows is recorded per flow (TCP, UDP) or counted (the rest), then dropped', () => {
    for (const direction of ['egress', 'ingress']) {
      expect(chainLines(switchText, direction).slice(-2)).toEqual([
        `meta l4proto { tcp, udp } add @${direction}_drops { ip saddr . ip daddr . meta l4proto . th dport } drop`,
        `counter name ${direction}_drops_other drop`,
      ]);
    }
  });

  test('the switch judges only forwarded frames; the root namespace also the controller\'s traffic, always guarded by the public bridge', () => {
    expect(chainLines(switchText, 'forward')).toEqual(['type filter hook forward priority filter; policy accept;', 'iifname "br0" oifname "br0" jump between_hosts']);
    expect(chainLines(switchText, 'input')).toEqual([]);
    expect(chainLines(switchText, 'output')).toEqual([]);
    expect(chainLines(publicText, 'forward')[1]).toBe('iifname "lab9pub" oifname "lab9pub" jump between_hosts');
    expect(chainLines(publicText, 'output')[1]).toBe('oifname "lab9pub" jump from_outside');
    expect(chainLines(publicText, 'input')[1]).toBe('iifname "lab9pub" jump to_outside');
    for (const hook of ['forward', 'output', 'input']) expect(chainLines(publicText, hook)).toHaveLength(2);
    expect(chainLines(publicText, 'from_outside')).toEqual(['jump before_groups', 'jump ingress', 'accept']);
    expect(chainLines(publicText, 'to_outside')).toEqual(['jump before_groups', 'jump egress', 'accept']);
  });

  test('the lab\'s management of its load balancer is exempt in the root namespace only', () => {
    const exempt = (text: string): string[] => chainLines(text, 'before_groups').filter((l) => l.includes(' accept comment '));
    expect(exempt(publicText).map((l) => l.replace(/ comment .*/, ''))).toEqual([
      'ip saddr 10.9.1.1 ip daddr 10.9.1.3 tcp dport 22 accept',
      'ip saddr 10.9.1.1 ip daddr 10.9.1.3 tcp dport 9999 accept',
    ]);
    expect(exempt(switchText)).toEqual([]);
  });

  test('replies pass, IPv6 is dropped, and the table replaces itself whole', () => {
    expect(chainLines(switchText, 'before_groups').slice(0, 3)).toEqual(['meta nfproto ipv6 counter drop', 'ct state established,related accept', 'ct state invalid counter drop']);
    const table = securityGroupTable(TAG);
    expect(table).toBe('play_sg_lab9');
    expect(switchText.split('\n').slice(0, 3)).toEqual([`table inet ${table}`, `delete table inet ${table}`, `table inet ${table} {`]);
  });

  test.each([
    ['the switch', switchText],
    ['the root namespace', publicText],
  ])('nft accepts the ruleset for %s (check mode, nothing loaded)', (_where, text) => {
    expect(() => execFileSync('nft', ['-c', '-f', '-'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
  });

  test('a rule naming a group the stack does not have is refused, naming the rule', () => {
    const stray = rule('aws_vpc_security_group_ingress_rule.stray', 'ingress', 'app', 'tcp', { group: 'ghost' }, [1, 1]);
    expect(() => securityGroupRuleset(params(SWITCH, [stray]))).toThrow('aws_vpc_security_group_ingress_rule.stray names security group ghost, which the stack does not have');
  });

  test('a range that is not IPv4 is refused', () => {
    const v6 = rule('aws_vpc_security_group_egress_rule.v6', 'egress', 'app', 'all', { cidr: '::/0' });
    expect(() => securityGroupRuleset(params(SWITCH, [v6]))).toThrow('"::/0" is not an IPv4 CIDR block');
  });
});

describe('describeDrop', () => {
  const names = new Map([
    ['10.9.2.10', 'app-1'],
    ['10.9.2.4', 'logs'],
  ]);

  test('an ingress drop blames the destination\'s groups', () => {
    expect(describeDrop({ direction: 'ingress', from: '10.9.2.10', to: '10.9.2.4', protocol: 'tcp', port: 6514, packets: 3 }, names)).toBe(
      "app-1 (10.9.2.10) → logs (10.9.2.4) tcp/6514: 3 packets dropped: no ingress rule of logs' groups allows it",
    );
  });

  test('an egress drop blames the source\'s groups; unknown addresses stay addresses', () => {
    expect(describeDrop({ direction: 'egress', from: '10.9.2.10', to: '10.9.1.1', protocol: 'udp', port: 53, packets: 1 }, names)).toBe(
      "app-1 (10.9.2.10) → 10.9.1.1 udp/53: 1 packet dropped: no egress rule of app-1's groups allows it",
    );
  });
});
