import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../src/lab/exec';
import { readStackTopology } from '../../src/lab/stack/read-stack';
import { resolveOutputs, type TerraformReference } from '../../src/lab/stack/resolve-outputs';
import type { SecurityGroupRule, StackTopology } from '../../src/lab/stack/topology';
import { synthStackFile, type StackFile } from '../support/stack-file';
import { thrown } from '../support/thrown';

/** Terraform JSON as the tests edit it: loosely typed, as its shape is what is under test. */
type Json = Record<string, any>;

let staging: StackFile;
let topology: StackTopology;

beforeAll(() => {
  staging = synthStackFile('staging');
  topology = readStackTopology(staging.file);
});

afterAll(() => staging?.cleanup());

const instance = (name: string, of = topology) => {
  const found = of.instances.find((i) => i.name === name);
  if (!found) throw new Error(`no instance ${name} in ${of.instances.map((i) => i.name).join(', ')}`);
  return found;
};

const groupName = (key: string, of = topology): string => of.securityGroups.find((g) => g.key === key)?.name ?? `(unknown group ${key})`;

/** A rule as a reader would say it: groups by their Name tags. */
const readable = (rule: SecurityGroupRule) => ({
  direction: rule.direction,
  group: groupName(rule.group),
  protocol: rule.protocol,
  ports: `${rule.fromPort}-${rule.toPort}`,
  peer: 'cidr' in rule.peer ? rule.peer.cidr : groupName(rule.peer.group),
});

describe('readStackTopology: staging as synthesized', () => {
  test('the bastion is public; app-1, app-2, logs and the database are private, each in its own security group', () => {
    expect(topology.instances.map((i) => [i.name, i.role, i.public, i.securityGroups.map((key) => groupName(key))])).toEqual([
      ['app-1', 'app', false, ['webtier-staging-app']],
      ['app-2', 'app', false, ['webtier-staging-app']],
      ['bastion', 'bastion', true, ['webtier-staging-bastion']],
      ['db', 'database', false, ['webtier-staging-database']],
      ['logs', 'logs', false, ['webtier-staging-logs']],
    ]);
    expect(instance('db').address).toBe('aws_db_instance.postgres_database_B2C47E30');
    expect(instance('bastion').address).toBe('aws_instance.bastion_C1EEBA53');
  });

  test('each instance has its subnet\'s zone and range, the zone the outputs report', () => {
    expect(topology.vpcCidr).toBe('10.20.0.0/16');
    expect(topology.instances.map((i) => [i.name, i.availabilityZone, i.subnetCidr])).toEqual([
      ['app-1', 'eu-west-1a', '10.20.128.0/20'],
      ['app-2', 'eu-west-1b', '10.20.144.0/20'],
      ['bastion', 'eu-west-1a', '10.20.0.0/20'],
      ['db', 'eu-west-1a', '10.20.240.0/23'],
      ['logs', 'eu-west-1b', '10.20.144.0/20'],
    ]);
    const reported = [...(topology.outputs.app_instances as Json[]), ...(topology.outputs.log_collectors as Json[])];
    for (const host of reported) expect(instance(host.name).availabilityZone).toBe(host.availability_zone);
  });

  test('the security groups are the stack\'s five, not the emptied default group', () => {
    expect(topology.securityGroups.map((g) => g.name).sort()).toEqual(['webtier-staging-alb', 'webtier-staging-app', 'webtier-staging-bastion', 'webtier-staging-database', 'webtier-staging-logs']);
  });

  test('the rules: SSH only through the bastion, syslog to the collector, the bastion reaching the VPC', () => {
    const rules = topology.rules.map(readable);
    expect(rules).toEqual(
      expect.arrayContaining([
        { direction: 'ingress', group: 'webtier-staging-app', protocol: 'tcp', ports: '22-22', peer: 'webtier-staging-bastion' },
        { direction: 'ingress', group: 'webtier-staging-app', protocol: 'tcp', ports: '80-80', peer: 'webtier-staging-alb' },
        { direction: 'ingress', group: 'webtier-staging-logs', protocol: 'tcp', ports: '6514-6514', peer: 'webtier-staging-app' },
        { direction: 'ingress', group: 'webtier-staging-logs', protocol: 'tcp', ports: '6514-6514', peer: 'webtier-staging-bastion' },
        { direction: 'ingress', group: 'webtier-staging-bastion', protocol: 'tcp', ports: '22-22', peer: '198.18.24.0/24' },
        { direction: 'egress', group: 'webtier-staging-bastion', protocol: 'tcp', ports: '22-22', peer: topology.vpcCidr },
        { direction: 'ingress', group: 'webtier-staging-database', protocol: 'tcp', ports: '5432-5432', peer: 'webtier-staging-app' },
        { direction: 'egress', group: 'webtier-staging-app', protocol: 'tcp', ports: '5432-5432', peer: 'webtier-staging-database' },
      ]),
    );
    // Nothing else may reach the app instances on SSH.
    expect(rules.filter((r) => r.direction === 'ingress' && r.group === 'webtier-staging-app' && r.ports === '22-22')).toHaveLength(1);
    const ssh = topology.rules.find((r) => r.address === 'aws_vpc_security_group_ingress_rule.security-groups_app-in-ssh_E2111B49');
    expect(ssh?.description).toBe('SSH from the bastion');
  });

  test('the load balancer: HTTP 80 forwarded to app-1 and app-2 on port 80, checked on /health', () => {
    const lb = topology.loadBalancer;
    expect(lb.securityGroups.map((key) => groupName(key))).toEqual(['webtier-staging-alb']);
    expect(lb.listeners).toEqual([{ port: 80, protocol: 'HTTP', action: { type: 'forward' } }]);
    expect(lb.targetPort).toBe(80);
    expect(lb.healthCheck).toEqual({ path: '/health', matcher: '200', intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 });
    expect(lb.deregistrationDelaySeconds).toBe(30);
    expect(lb.targets).toEqual(['app-1', 'app-2']);
  });

  test('the outputs are kept as synthesized, references unresolved', () => {
    expect(topology.outputs.environment).toBe('staging');
    expect(topology.outputs.load_balancer_dns).toBe('${aws_lb.load-balancer_alb_15AADC07.dns_name}');
  });
});

describe('readStackTopology: other shapes', () => {
  test('an app host out of service exists but is not a target', () => {
    const stack = synthStackFile('staging', { app: { count: 3, instanceType: 't3.small', outOfService: ['app-3'] } });
    try {
      const three = readStackTopology(stack.file);
      expect(three.instances.map((i) => i.name)).toEqual(['app-1', 'app-2', 'app-3', 'bastion', 'db', 'logs']);
      expect(instance('app-3', three)).toMatchObject({ role: 'app', public: false });
      expect(three.loadBalancer.targets).toEqual(['app-1', 'app-2']);
    } finally {
      stack.cleanup();
    }
  });

  test('production: HTTPS 443 forwards, HTTP 80 redirects to 443 with a 301; four app hosts in three zones', () => {
    const stack = synthStackFile('production');
    try {
      const production = readStackTopology(stack.file);
      expect(production.loadBalancer.listeners).toEqual([
        { port: 80, protocol: 'HTTP', action: { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 301 } },
        { port: 443, protocol: 'HTTPS', action: { type: 'forward' } },
      ]);
      expect(production.loadBalancer.targets).toEqual(['app-1', 'app-2', 'app-3', 'app-4']);
      expect(new Set(production.instances.map((i) => i.availabilityZone))).toEqual(new Set(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']));
      expect(production.instances.filter((i) => i.public).map((i) => i.name)).toEqual(['bastion']);
    } finally {
      stack.cleanup();
    }
  });

  test('without a health_check block AWS\'s defaults apply; with an empty one, the provider\'s thresholds', () => {
    const without = readStackTopology(
      edited('no-health-check', (json) => {
        const [group] = Object.values(json.resource.aws_lb_target_group) as Json[];
        delete group.health_check;
        delete group.deregistration_delay;
      }),
    );
    expect(without.loadBalancer.healthCheck).toEqual({ path: '/', matcher: '200', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2 });
    expect(without.loadBalancer.deregistrationDelaySeconds).toBe(300);
    const empty = readStackTopology(
      edited('empty-health-check', (json) => {
        const [group] = Object.values(json.resource.aws_lb_target_group) as Json[];
        group.health_check = {};
      }),
    );
    expect(empty.loadBalancer.healthCheck).toMatchObject({ intervalSeconds: 30, healthyThreshold: 3, unhealthyThreshold: 3 });
  });
});

/** Staging's JSON changed by `edit`, written next to it; the file's path. */
function edited(name: string, edit: (json: Json) => void): string {
  const json = JSON.parse(readFileSync(staging.file, 'utf8')) as Json;
  edit(json);
  const file = path.join(staging.dir, `${name}.tf.json`);
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

/** The logical id of the one resource of `type` that `match` picks. */
function idOf(json: Json, type: string, match: (body: Json) => boolean): string {
  const ids = Object.keys(json.resource[type]).filter((id) => match(json.resource[type][id]));
  if (ids.length !== 1) throw new Error(`${type}: ${ids.length} matches`);
  return ids[0];
}

const byRole = (role: string) => (body: Json) => body.tags?.Role === role;

function refusal(file: string): string {
  return thrown(() => readStackTopology(file), LabError).message;
}

describe('readStackTopology: refusals name the file and the resource', () => {
  test('an instance without a Role tag', () => {
    let id = '';
    const file = edited('no-role', (json) => {
      id = idOf(json, 'aws_instance', byRole('bastion'));
      delete json.resource.aws_instance[id].tags.Role;
    });
    expect(refusal(file)).toBe(`${file}: aws_instance.${id}: tags.Role is missing; expected one of bastion, app, logs`);
  });

  test('an instance with a role the lab does not know', () => {
    let id = '';
    const file = edited('web-role', (json) => {
      id = idOf(json, 'aws_instance', byRole('logs'));
      json.resource.aws_instance[id].tags.Role = 'web';
    });
    expect(refusal(file)).toBe(`${file}: aws_instance.${id}: tags.Role "web" is not a role the lab knows; expected one of bastion, app, logs`);
  });

  test('an instance no output names', () => {
    let id = '';
    const file = edited('unnamed', (json) => {
      id = idOf(json, 'aws_instance', byRole('logs'));
      json.output.log_collectors.value = [];
    });
    expect(refusal(file)).toBe(`${file}: aws_instance.${id}: no output names it (expected an output object with instance_id "\${aws_instance.${id}.id}" and a name)`);
  });

  test('a security group with an inline rule', () => {
    let id = '';
    const file = edited('inline-rule', (json) => {
      id = idOf(json, 'aws_security_group', (body) => body.tags.Name === 'webtier-staging-app');
      json.resource.aws_security_group[id].ingress = [{ from_port: 8080, to_port: 8080, protocol: 'tcp', cidr_blocks: ['10.20.0.0/16'] }];
    });
    const message = refusal(file);
    expect(message).toContain(`${file}: aws_security_group.${id}: inline ingress rules are unsupported`);
    expect(message).toContain('aws_vpc_security_group_ingress_rule');
  });

  test('an aws_security_group_rule resource', () => {
    const file = edited('sg-rule', (json) => {
      json.resource.aws_security_group_rule = { extra: { type: 'ingress', from_port: 22, to_port: 22, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'], security_group_id: 'sg-1' } };
    });
    expect(refusal(file)).toMatch(new RegExp(`^${escapeRegExp(file)}: aws_security_group_rule\\.extra: unsupported: the lab enforces only aws_vpc_security_group_ingress_rule`));
  });

  test('an IPv6 rule', () => {
    let id = '';
    const file = edited('ipv6', (json) => {
      id = idOf(json, 'aws_vpc_security_group_ingress_rule', (body) => body.tags.Name === 'webtier-staging-alb-in-http');
      const rule = json.resource.aws_vpc_security_group_ingress_rule[id];
      delete rule.cidr_ipv4;
      rule.cidr_ipv6 = '::/0';
    });
    expect(refusal(file)).toBe(`${file}: aws_vpc_security_group_ingress_rule.${id}: cidr_ipv6 is unsupported: the lab is IPv4 only (use cidr_ipv4 or referenced_security_group_id)`);
  });

  test('a file that is not there', () => {
    const file = path.join(staging.dir, 'missing.tf.json');
    expect(refusal(file)).toBe(`${file}: cannot read the synthesized stack (ENOENT); run \`cdktf synth\` first`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('resolveOutputs', () => {
  /** Stand-ins for what `cdktf deploy` would report: per-instance ids and addresses, one load balancer. */
  const resolver = (of: StackTopology) => {
    const hosts = new Map(of.instances.map((i, n) => [i.address, { id: `i-${i.name}`, private_ip: `10.0.0.${n + 10}` }]));
    const others: Record<string, string> = { 'aws_eip.public_ip': '198.18.0.10', 'aws_lb_target_group.arn': 'lab-target-group' };
    return (ref: TerraformReference): string | undefined =>
      ref.type === 'aws_instance' ? hosts.get(`aws_instance.${ref.name}`)?.[ref.attribute as 'id' | 'private_ip'] : others[`${ref.type}.${ref.attribute}`];
  };
  const withLb = (of: StackTopology) => {
    const base = resolver(of);
    return (ref: TerraformReference) => (ref.type === 'aws_lb' ? 'lb.lab.internal' : base(ref));
  };

  // The lab replaces the database output whole (RDS's managed secret has no lab), as labStackOutputs does.
  const withoutDatabase = ({ database: _database, ...rest }: Record<string, unknown>) => rest;

  test('staging\'s outputs, references replaced: the shape the bridge reads', () => {
    const before = JSON.stringify(topology.outputs);
    const resolved = resolveOutputs(withoutDatabase(topology.outputs), withLb(topology), staging.file);
    const ip = (name: string) => `10.0.0.${topology.instances.indexOf(instance(name)) + 10}`;
    expect(resolved).toEqual({
      app_instances: [
        { availability_zone: 'eu-west-1a', instance_id: 'i-app-1', name: 'app-1', private_ip: ip('app-1') },
        { availability_zone: 'eu-west-1b', instance_id: 'i-app-2', name: 'app-2', private_ip: ip('app-2') },
      ],
      log_collectors: [{ availability_zone: 'eu-west-1b', instance_id: 'i-logs', name: 'logs', private_ip: ip('logs') }],
      bastion_public_ip: '198.18.0.10',
      environment: 'staging',
      load_balancer: { driver: 'alb', port: 80, region: 'eu-west-1', target_group_arn: 'lab-target-group' },
      load_balancer_dns: 'lb.lab.internal',
      ssh_user: 'admin',
    });
    expect(JSON.stringify(topology.outputs)).toBe(before);
  });

  test('a reference inside a longer string is replaced in place; $${ is a literal ${', () => {
    const outputs = { url: 'http://${aws_lb.web.dns_name}:${aws_lb.web.port}/health', literal: 'cost: $${price}' };
    const values: Record<string, string> = { dns_name: 'lb.lab.internal', port: '8080' };
    expect(resolveOutputs(outputs, (ref) => values[ref.attribute], 'stack.json')).toEqual({ url: 'http://lb.lab.internal:8080/health', literal: 'cost: ${price}' });
  });

  test('a reference the lab has no stand-in for is refused, naming the output', () => {
    const message = thrown(() => resolveOutputs(withoutDatabase(topology.outputs), resolver(topology), staging.file), LabError).message;
    expect(message).toBe(`${staging.file}: output load_balancer_dns: \${aws_lb.load-balancer_alb_15AADC07.dns_name}: the lab has no stand-in for it`);
  });

  test('RDS\'s managed secret (an indexed reference) is refused, naming the output', () => {
    const message = thrown(() => resolveOutputs({ database: topology.outputs.database }, () => 'x', staging.file), LabError).message;
    expect(message).toMatch(/: output database: \$\{aws_db_instance\.postgres_database_B2C47E30\.master_user_secret\[0\]\.secret_arn\}: not a plain/);
  });

  test('a function call, a variable or a data source is refused, naming the output', () => {
    const expressions = ['${join(",", aws_instance.app.*.private_ip)}', '${var.region}', '${data.aws_ssm_parameter.image.insecure_value}'];
    for (const expression of expressions) {
      const message = thrown(() => resolveOutputs({ hosts: [{ note: `from ${expression}` }] }, () => 'x', 'stack.json'), LabError).message;
      expect(message).toMatch(/^stack\.json: output hosts: \$\{.*: not a plain \$\{type\.name\.attribute\} reference; the lab cannot evaluate it$/);
    }
  });
});
