import { readFileSync } from 'node:fs';
import { LabError } from '../exec';
import { parseReference } from './resolve-outputs';
import type {
  HealthCheck,
  InstanceRole,
  Listener,
  ListenerAction,
  RulePeer,
  SecurityGroupRule,
  StackInstance,
  StackLoadBalancer,
  StackSecurityGroup,
  StackTopology,
} from './topology';

type Json = Record<string, unknown>;

interface Stack {
  file: string;
  resource: Record<string, Record<string, Json>>;
  output: Record<string, Json>;
}

interface Resource {
  /** `type.logicalId`, as Terraform names it in plans and errors. */
  address: string;
  id: string;
  body: Json;
}

const ROLES: readonly InstanceRole[] = ['bastion', 'app', 'logs'];

const VPC_RULES = 'the lab enforces only aws_vpc_security_group_ingress_rule and aws_vpc_security_group_egress_rule resources (which the stacks use)';

/** Resource types that would change what the lab must enforce or route, and why the lab refuses them. */
const UNSUPPORTED: Record<string, string> = {
  aws_security_group_rule: VPC_RULES,
  aws_lb_listener_rule: "the lab routes every request by its listener's default action",
  aws_alb: 'the lab reads the load balancer from aws_lb, not its aws_alb alias',
  aws_alb_listener: 'the lab reads listeners from aws_lb_listener, not its aws_alb_listener alias',
  aws_alb_target_group: 'the lab reads the target group from aws_lb_target_group, not its aws_alb_target_group alias',
  aws_alb_target_group_attachment: 'the lab reads targets from aws_lb_target_group_attachment, not its aws_alb_target_group_attachment alias',
};

const PROTOCOLS: Record<string, SecurityGroupRule['protocol']> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': 'all' };

const REDIRECT_STATUS: Record<string, number> = { HTTP_301: 301, HTTP_302: 302 };

/**
 * Health-check defaults. The AWS provider sends its own thresholds (3 and 3) whenever a
 * health_check block is written, however empty; without one, AWS applies its API defaults (5 and 2).
 * Path, matcher and timeout are always AWS's for an HTTP target group.
 */
const HEALTH_DEFAULTS = { path: '/', matcher: '200', interval: 30, timeout: 5 };
const THRESHOLDS_WITH_BLOCK = { healthy: 3, unhealthy: 3 };
const THRESHOLDS_WITHOUT_BLOCK = { healthy: 5, unhealthy: 2 };

const byName = new Intl.Collator('en', { numeric: true }).compare;

/** The topology the lab rehearses, read from a synthesized `cdk.tf.json`; anything it cannot stand in for is refused. */
export function readStackTopology(file: string): StackTopology {
  const stack = loadStack(file);
  rejectUnsupported(stack);
  const securityGroups = readSecurityGroups(stack);
  const instances = [...readInstances(stack), ...readDatabases(stack)].sort((a, b) => byName(a.name, b.name));
  checkUniqueNames(stack, instances);
  return {
    file,
    vpcCidr: literal(stack, single(stack, 'aws_vpc'), 'cidr_block'),
    instances,
    securityGroups,
    rules: readRules(stack),
    loadBalancer: readLoadBalancer(stack, instances),
    elasticIps: readElasticIps(stack, instances),
    loadBalancerAliases: readLoadBalancerAliases(stack),
    outputs: Object.fromEntries(entries(stack.output).map(([name, output]) => [name, output.value])),
  };
}

/** Elastic IPs attached to an instance, by logical id: an output may give the address through them. */
function readElasticIps(stack: Stack, instances: StackInstance[]): Record<string, string> {
  const names = new Map(instances.map((instance) => [instance.address, instance.name]));
  return Object.fromEntries(
    resources(stack, 'aws_eip').flatMap(({ id, address, body }) => {
      if (body.instance === undefined) return [];
      const name = names.get(`aws_instance.${reference(stack, address, 'instance', body.instance, 'aws_instance')}`);
      return name === undefined ? [] : [[id, name]];
    }),
  );
}

/** DNS records that alias the load balancer (the lab answers their name with its address). */
function readLoadBalancerAliases(stack: Stack): string[] {
  return resources(stack, 'aws_route53_record')
    .filter(({ body }) => blocks(body.alias).some((alias) => isReferenceTo(alias.name, 'aws_lb')))
    .map(({ id }) => id);
}

function loadStack(file: string): Stack {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabError(`${file}: cannot read the synthesized stack (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run \`cdktf synth\` first`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LabError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(json)) throw new LabError(`${file}: expected a synthesized Terraform JSON object`);
  return { file, resource: recordOr(json.resource) as Stack['resource'], output: recordOr(json.output) as Stack['output'] };
}

function rejectUnsupported(stack: Stack): void {
  for (const [type, why] of Object.entries(UNSUPPORTED)) {
    const [first] = resources(stack, type);
    if (first) fail(stack, first.address, `unsupported: ${why}`);
  }
}

// ---- databases -------------------------------------------------------------------------------

/** The name of the lab host that stands in for the stack's database (RDS has no host name of its own). */
export const DATABASE_HOST = 'db';

/**
 * An RDS instance becomes a lab host in the first of its subnet group's subnets, in its security
 * groups: the site configures PostgreSQL there, so the app meets a database where the stack puts one.
 */
function readDatabases(stack: Stack): StackInstance[] {
  const databases = resources(stack, 'aws_db_instance');
  if (databases.length > 1) fail(stack, databases[1].address, 'a second database; the lab stands in for one');
  return databases.map(({ address, body }) => {
    if (body.engine !== 'postgres') fail(stack, address, `engine ${describe(body.engine)}: the lab stands in for PostgreSQL only`);
    if (body.publicly_accessible === true) fail(stack, address, 'publicly_accessible: the lab has private databases only');
    const group = resource(stack, 'aws_db_subnet_group', reference(stack, address, 'db_subnet_group_name', body.db_subnet_group_name, 'aws_db_subnet_group', 'name'));
    const [first] = Array.isArray(group.body.subnet_ids) ? group.body.subnet_ids : [];
    const subnet = resource(stack, 'aws_subnet', reference(stack, group.address, 'subnet_ids', first, 'aws_subnet'));
    return {
      address,
      name: DATABASE_HOST,
      role: 'database',
      public: false,
      subnetCidr: literal(stack, subnet, 'cidr_block'),
      availabilityZone: literal(stack, subnet, 'availability_zone'),
      securityGroups: securityGroupKeys(stack, address, 'vpc_security_group_ids', body.vpc_security_group_ids),
    };
  });
}

// ---- instances -------------------------------------------------------------------------------

function readInstances(stack: Stack): StackInstance[] {
  const names = instanceNamesFromOutputs(stack);
  const publicSubnet = publicSubnets(stack);
  const instances = resources(stack, 'aws_instance').map((instance): StackInstance => {
    const role = roleOf(stack, instance);
    const subnetId = reference(stack, instance.address, 'subnet_id', instance.body.subnet_id, 'aws_subnet');
    const subnet = resource(stack, 'aws_subnet', subnetId);
    return {
      address: instance.address,
      name: role === 'bastion' ? 'bastion' : nameOf(stack, instance, names),
      role,
      public: publicSubnet(subnetId, instance.address),
      subnetCidr: literal(stack, subnet, 'cidr_block'),
      availabilityZone: literal(stack, subnet, 'availability_zone'),
      securityGroups: securityGroupKeys(stack, instance.address, 'vpc_security_group_ids', instance.body.vpc_security_group_ids),
    };
  });
  checkOneBastion(stack, instances);
  return instances;
}

function roleOf(stack: Stack, instance: Resource): InstanceRole {
  const role = recordOr(instance.body.tags).Role;
  const known = `expected one of ${ROLES.join(', ')}`;
  if (role === undefined) return fail(stack, instance.address, `tags.Role is missing; ${known}`);
  return ROLES.find((r) => r === role) ?? fail(stack, instance.address, `tags.Role ${JSON.stringify(role)} is not a role the lab knows; ${known}`);
}

/**
 * The names the outputs give instances: Terraform's JSON has only logical ids, and the inventory
 * names (`app-1`, `logs`) live in the output objects next to each instance's id.
 */
function instanceNamesFromOutputs(stack: Stack): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const visit = (outputName: string, value: unknown): void => {
    if (Array.isArray(value)) return value.forEach((item) => visit(outputName, item));
    if (!isRecord(value)) return;
    const ref = typeof value.instance_id === 'string' ? parseReference(value.instance_id) : undefined;
    if (ref?.type === 'aws_instance' && ref.attribute === 'id') {
      const address = `aws_instance.${ref.name}`;
      const name = value.name;
      if (typeof name !== 'string' || name.includes('${')) fail(stack, `output.${outputName}`, `the object for ${address} has no literal name`);
      names.set(address, (names.get(address) ?? new Set()).add(name));
    }
    Object.values(value).forEach((item) => visit(outputName, item));
  };
  for (const [name, output] of entries(stack.output)) visit(name, output.value);
  return names;
}

function nameOf(stack: Stack, instance: Resource, names: Map<string, Set<string>>): string {
  const given = [...(names.get(instance.address) ?? [])];
  if (given.length === 0) return fail(stack, instance.address, `no output names it (expected an output object with instance_id "\${${instance.address}.id}" and a name)`);
  if (given.length > 1) return fail(stack, instance.address, `the outputs give it several names: ${given.join(', ')}`);
  return given[0];
}

function checkOneBastion(stack: Stack, instances: StackInstance[]): void {
  const bastions = instances.filter((i) => i.role === 'bastion');
  if (bastions.length === 0) fail(stack, 'aws_instance', 'no instance has tags.Role bastion; the lab needs exactly one');
  if (bastions.length > 1) fail(stack, bastions[1].address, `a second bastion (${bastions.map((b) => b.address).join(', ')}); the lab needs exactly one`);
}

function checkUniqueNames(stack: Stack, instances: StackInstance[]): void {
  const seen = new Map<string, string>();
  for (const instance of instances) {
    const other = seen.get(instance.name);
    if (other) fail(stack, instance.address, `its name ${instance.name} is also ${other}'s`);
    seen.set(instance.name, instance.address);
  }
}

/**
 * Which subnets are public: associated with a route table that sends 0.0.0.0/0 to an internet
 * gateway. A subnet without an association uses the VPC's main route table: private, unless the
 * stack manages that table, which the lab does not model.
 */
function publicSubnets(stack: Stack): (subnetId: string, instanceAddress: string) => boolean {
  const internetTables = new Set(routeTablesToInternet(stack));
  const tableOfSubnet = new Map<string, string>();
  for (const association of resources(stack, 'aws_route_table_association')) {
    if (association.body.subnet_id === undefined) continue; // an edge association (gateway_id): no subnet
    const subnetId = reference(stack, association.address, 'subnet_id', association.body.subnet_id, 'aws_subnet');
    tableOfSubnet.set(subnetId, reference(stack, association.address, 'route_table_id', association.body.route_table_id, 'aws_route_table'));
  }
  const [mainTable] = [...resources(stack, 'aws_main_route_table_association'), ...resources(stack, 'aws_default_route_table')];
  return (subnetId, instanceAddress) => {
    const table = tableOfSubnet.get(subnetId);
    if (table === undefined && mainTable) {
      fail(stack, instanceAddress, `its subnet aws_subnet.${subnetId} has no route table association, so it uses the main route table that ${mainTable.address} manages, which the lab does not model; associate the subnet explicitly`);
    }
    return table !== undefined && internetTables.has(table);
  };
}

function routeTablesToInternet(stack: Stack): string[] {
  const separate = resources(stack, 'aws_route')
    .filter((route) => route.body.destination_cidr_block === '0.0.0.0/0' && isReferenceTo(route.body.gateway_id, 'aws_internet_gateway'))
    .map((route) => reference(stack, route.address, 'route_table_id', route.body.route_table_id, 'aws_route_table'));
  const inline = resources(stack, 'aws_route_table')
    .filter((table) => blocks(table.body.route).some((route) => route.cidr_block === '0.0.0.0/0' && isReferenceTo(route.gateway_id, 'aws_internet_gateway')))
    .map((table) => table.id);
  return [...separate, ...inline];
}

// ---- security groups ---------------------------------------------------------------------------

function readSecurityGroups(stack: Stack): StackSecurityGroup[] {
  return resources(stack, 'aws_security_group').map(({ address, id, body }) => {
    for (const direction of ['ingress', 'egress']) {
      if (blocks(body[direction]).length > 0) fail(stack, address, `inline ${direction} rules are unsupported: ${VPC_RULES}`);
    }
    const name = recordOr(body.tags).Name;
    return { key: id, name: typeof name === 'string' ? name : id };
  });
}

function readRules(stack: Stack): SecurityGroupRule[] {
  return (['ingress', 'egress'] as const).flatMap((direction) => resources(stack, `aws_vpc_security_group_${direction}_rule`).map((rule) => readRule(stack, rule, direction)));
}

function readRule(stack: Stack, { address, body }: Resource, direction: SecurityGroupRule['direction']): SecurityGroupRule {
  for (const attribute of ['cidr_ipv6', 'prefix_list_id']) {
    if (body[attribute] !== undefined) fail(stack, address, `${attribute} is unsupported: the lab is IPv4 only (use cidr_ipv4 or referenced_security_group_id)`);
  }
  const protocol = PROTOCOLS[String(body.ip_protocol).toLowerCase()] ?? fail(stack, address, `ip_protocol ${describe(body.ip_protocol)}: expected tcp, udp, icmp or -1 (all)`);
  const ports = protocol === 'tcp' || protocol === 'udp' ? { fromPort: integer(stack, address, 'from_port', body.from_port), toPort: integer(stack, address, 'to_port', body.to_port) } : {};
  return {
    address,
    description: typeof body.description === 'string' ? body.description : address,
    direction,
    group: reference(stack, address, 'security_group_id', body.security_group_id, 'aws_security_group'),
    protocol,
    ...ports,
    peer: readPeer(stack, address, body),
  };
}

function readPeer(stack: Stack, address: string, body: Json): RulePeer {
  const { cidr_ipv4: cidr, referenced_security_group_id: group } = body;
  if ((cidr === undefined) === (group === undefined)) fail(stack, address, 'expected exactly one of cidr_ipv4 and referenced_security_group_id');
  if (group !== undefined) return { group: reference(stack, address, 'referenced_security_group_id', group, 'aws_security_group') };
  return { cidr: literalValue(stack, address, 'cidr_ipv4', cidr) };
}

/**
 * An instance or load balancer without vpc_security_group_ids gets the VPC's default group, whose
 * rules the lab does not model: so the list is required.
 */
function securityGroupKeys(stack: Stack, address: string, attribute: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) return fail(stack, address, `${attribute} ${describe(value)}: expected a list of aws_security_group references (without one, AWS uses the VPC's default group, which the lab does not model)`);
  return value.map((item) => reference(stack, address, attribute, item, 'aws_security_group'));
}

// ---- load balancer -----------------------------------------------------------------------------

function readLoadBalancer(stack: Stack, instances: StackInstance[]): StackLoadBalancer {
  const lb = single(stack, 'aws_lb');
  const type = lb.body.load_balancer_type ?? 'application';
  if (type !== 'application') fail(stack, lb.address, `load_balancer_type ${describe(type)}: the lab stands in for an application load balancer only`);
  if (lb.body.internal === true) fail(stack, lb.address, 'internal: true is unsupported: the lab stands in for an internet-facing load balancer');
  const group = single(stack, 'aws_lb_target_group');
  const targetPort = readTargetGroup(stack, group);
  return {
    address: lb.address,
    securityGroups: securityGroupKeys(stack, lb.address, 'security_groups', lb.body.security_groups),
    listeners: readListeners(stack, lb, group),
    targetPort,
    healthCheck: readHealthCheck(stack, group),
    deregistrationDelaySeconds: integer(stack, group.address, 'deregistration_delay', group.body.deregistration_delay ?? 300),
    targets: readTargets(stack, group, targetPort, instances),
  };
}

/** Checks the target group is one the lab's HTTP proxy can stand in for; returns its port. */
function readTargetGroup(stack: Stack, group: Resource): number {
  const { protocol, target_type: targetType = 'instance' } = group.body;
  if (protocol !== 'HTTP') fail(stack, group.address, `protocol ${describe(protocol)}: the lab forwards HTTP to its targets only`);
  if (targetType !== 'instance') fail(stack, group.address, `target_type ${describe(targetType)}: the lab attaches instances only`);
  return integer(stack, group.address, 'port', group.body.port);
}

function readHealthCheck(stack: Stack, group: Resource): HealthCheck {
  const address = group.address;
  const check = block(stack, address, 'health_check', group.body.health_check);
  const thresholds = check ? THRESHOLDS_WITH_BLOCK : THRESHOLDS_WITHOUT_BLOCK;
  const body = check ?? {};
  if (body.enabled === false) fail(stack, address, 'health_check.enabled false is unsupported: the lab always checks its targets');
  if (body.protocol !== undefined && String(body.protocol).toUpperCase() !== 'HTTP') fail(stack, address, `health_check.protocol ${describe(body.protocol)}: the lab checks over HTTP only`);
  if (body.port !== undefined && body.port !== 'traffic-port') fail(stack, address, `health_check.port ${describe(body.port)}: the lab checks on the traffic port only`);
  return {
    path: literalValue(stack, address, 'health_check.path', body.path ?? HEALTH_DEFAULTS.path),
    matcher: literalValue(stack, address, 'health_check.matcher', body.matcher ?? HEALTH_DEFAULTS.matcher),
    intervalSeconds: integer(stack, address, 'health_check.interval', body.interval ?? HEALTH_DEFAULTS.interval),
    timeoutSeconds: integer(stack, address, 'health_check.timeout', body.timeout ?? HEALTH_DEFAULTS.timeout),
    healthyThreshold: integer(stack, address, 'health_check.healthy_threshold', body.healthy_threshold ?? thresholds.healthy),
    unhealthyThreshold: integer(stack, address, 'health_check.unhealthy_threshold', body.unhealthy_threshold ?? thresholds.unhealthy),
  };
}

function readListeners(stack: Stack, lb: Resource, group: Resource): Listener[] {
  const listeners = resources(stack, 'aws_lb_listener').map(({ address, body }): Listener => {
    reference(stack, address, 'load_balancer_arn', body.load_balancer_arn, 'aws_lb', 'arn');
    const protocol = body.protocol ?? 'HTTP'; // the provider's default for an application load balancer
    if (protocol !== 'HTTP' && protocol !== 'HTTPS') return fail(stack, address, `protocol ${describe(protocol)}: expected HTTP or HTTPS`);
    return { port: integer(stack, address, 'port', body.port), protocol, action: readAction(stack, address, body.default_action, group) };
  });
  if (listeners.length === 0) fail(stack, lb.address, 'no aws_lb_listener: the lab needs at least one');
  return listeners.sort((a, b) => a.port - b.port);
}

function readAction(stack: Stack, address: string, value: unknown, group: Resource): ListenerAction {
  const actions = blocks(value);
  if (actions.length !== 1) return fail(stack, address, `default_action: expected exactly one action, found ${actions.length}`);
  const [action] = actions;
  if (action.type === 'forward') {
    const target = reference(stack, address, 'default_action.target_group_arn', action.target_group_arn, 'aws_lb_target_group', 'arn');
    if (target !== group.id) fail(stack, address, `default_action forwards to aws_lb_target_group.${target}, not ${group.address}`);
    return { type: 'forward' };
  }
  if (action.type === 'redirect') return readRedirect(stack, address, block(stack, address, 'default_action.redirect', action.redirect));
  return fail(stack, address, `default_action.type ${describe(action.type)}: the lab supports forward and redirect`);
}

/** A redirect that keeps host, path and query (AWS's defaults): the lab's proxy changes only scheme and port. */
function readRedirect(stack: Stack, address: string, redirect: Json | undefined): ListenerAction {
  if (!redirect) return fail(stack, address, 'default_action.redirect is missing');
  const kept: Record<string, string> = { host: '#{host}', path: '/#{path}', query: '#{query}' };
  for (const [attribute, keep] of Object.entries(kept)) {
    if (redirect[attribute] !== undefined && redirect[attribute] !== keep) fail(stack, address, `default_action.redirect.${attribute} ${describe(redirect[attribute])} is unsupported: the lab redirects keeping host, path and query`);
  }
  const statusCode = REDIRECT_STATUS[String(redirect.status_code)] ?? fail(stack, address, `default_action.redirect.status_code ${describe(redirect.status_code)}: expected HTTP_301 or HTTP_302`);
  return {
    type: 'redirect',
    protocol: literalValue(stack, address, 'default_action.redirect.protocol', redirect.protocol ?? '#{protocol}'),
    port: literalValue(stack, address, 'default_action.redirect.port', String(redirect.port ?? '#{port}')),
    statusCode,
  };
}

function readTargets(stack: Stack, group: Resource, targetPort: number, instances: StackInstance[]): string[] {
  const byAddress = new Map(instances.map((i) => [i.address, i.name]));
  return resources(stack, 'aws_lb_target_group_attachment')
    .map(({ address, body }) => {
      const attachedTo = reference(stack, address, 'target_group_arn', body.target_group_arn, 'aws_lb_target_group', 'arn');
      if (attachedTo !== group.id) fail(stack, address, `target_group_arn refers to aws_lb_target_group.${attachedTo}, not ${group.address}`);
      if (body.port !== undefined && integer(stack, address, 'port', body.port) !== targetPort) fail(stack, address, `port ${describe(body.port)} differs from the target group's ${targetPort}; the lab sends every target the group's port`);
      const instance = reference(stack, address, 'target_id', body.target_id, 'aws_instance');
      return byAddress.get(`aws_instance.${instance}`) as string; // reference() found it, and every aws_instance was read
    })
    .sort(byName);
}

// ---- reading Terraform JSON --------------------------------------------------------------------

function fail(stack: Stack, address: string, message: string): never {
  throw new LabError(`${stack.file}: ${address}: ${message}`);
}

/** The resources of one type; `count` and `for_each` are refused, as they make one address many instances. */
function resources(stack: Stack, type: string): Resource[] {
  return entries(stack.resource[type]).map(([id, body]) => {
    const address = `${type}.${id}`;
    for (const meta of ['count', 'for_each']) if (body[meta] !== undefined) fail(stack, address, `${meta} is unsupported: the lab reads one resource per address`);
    return { address, id, body };
  });
}

function resource(stack: Stack, type: string, id: string): Resource {
  return { address: `${type}.${id}`, id, body: stack.resource[type][id] };
}

function single(stack: Stack, type: string): Resource {
  const found = resources(stack, type);
  if (found.length !== 1) fail(stack, type, `expected exactly one, found ${found.length}${found.length ? ` (${found.map((r) => r.address).join(', ')})` : ''}`);
  return found[0];
}

/** The logical id `value` refers to as `${type.<id>.attribute}`, checked to be a resource of the stack. */
function reference(stack: Stack, address: string, attribute: string, value: unknown, type: string, refAttribute = 'id'): string {
  const ref = typeof value === 'string' ? parseReference(value) : undefined;
  if (ref?.type !== type || ref.attribute !== refAttribute) return fail(stack, address, `${attribute} ${describe(value)}: expected a reference \${${type}.<name>.${refAttribute}}`);
  if (!stack.resource[type]?.[ref.name]) fail(stack, address, `${attribute} refers to ${type}.${ref.name}, which the stack does not define`);
  return ref.name;
}

function isReferenceTo(value: unknown, type: string): boolean {
  return typeof value === 'string' && parseReference(value)?.type === type;
}

function literal(stack: Stack, { address, body }: Resource, attribute: string): string {
  return literalValue(stack, address, attribute, body[attribute]);
}

/** A string Terraform would not evaluate: the lab needs the value itself, not an expression. */
function literalValue(stack: Stack, address: string, attribute: string, value: unknown): string {
  if (typeof value !== 'string' || value.includes('${')) return fail(stack, address, `${attribute} ${describe(value)}: expected a literal string`);
  return value;
}

/** Terraform JSON holds numbers as numbers or as strings (deregistration_delay is a string attribute). */
function integer(stack: Stack, address: string, attribute: string, value: unknown): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) return fail(stack, address, `${attribute} ${describe(value)}: expected a whole number`);
  return number;
}

/** A nested block: Terraform JSON writes one as an object or as a list of one. */
function block(stack: Stack, address: string, attribute: string, value: unknown): Json | undefined {
  const list = blocks(value);
  if (list.length > 1) fail(stack, address, `${attribute}: expected one block, found ${list.length}`);
  return list[0];
}

function blocks(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

/** Entries of a JSON object, without cdktf's `//` metadata. */
function entries(value: unknown): Array<[string, Json]> {
  return Object.entries(recordOr(value)).filter((entry): entry is [string, Json] => entry[0] !== '//' && isRecord(entry[1]));
}

function recordOr(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'is missing' : JSON.stringify(value);
}
