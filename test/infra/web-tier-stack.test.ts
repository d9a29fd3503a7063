import path from 'node:path';
import { Testing } from 'cdktf';
import { TLS_POLICY } from '../../stacks/load-balancer';
import { LOG_DELIVERY_SERVICE } from '../../stacks/alb-logs-bucket';
import { DEBIAN_BOOKWORM_AMD64 } from '../../stacks/machine-image';
import { SYSLOG_TLS_PORT } from '../../stacks/security-groups';
import { OUTPUT_IDS } from '../../src/contract/stack-outputs';
import { REAL, ref, resourcesOfType, synthStack, testConfig, type SynthesizedStack } from './stack-fixture';

const CERT = REAL.certificateArn;

describe('web tier stack, synthesized JSON', () => {
  let plain: SynthesizedStack;
  let https: SynthesizedStack;
  beforeAll(() => {
    plain = synthStack(testConfig({ app: { count: 3 }, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] }));
    https = synthStack(testConfig({ certificateArn: CERT, dns: { zoneId: REAL.zoneId, recordName: REAL.recordName }, natGateways: 'per-az', deletionProtection: true }));
  });

  const ingress = (stack: SynthesizedStack) => resourcesOfType(stack, 'aws_vpc_security_group_ingress_rule');
  const egress = (stack: SynthesizedStack) => resourcesOfType(stack, 'aws_vpc_security_group_egress_rule');
  const group = (stack: SynthesizedStack, name: string) => resourcesOfType(stack, 'aws_security_group').find((sg) => sg.id.startsWith(`security-groups_${name}_`))!;

  test('no SSH from 0.0.0.0/0 anywhere, and SSH to the bastion only from the admin ranges', () => {
    for (const stack of [plain, https]) {
      const ssh = ingress(stack).filter((rule) => rule.from_port === 22);
      expect(ssh.length).toBeGreaterThan(0);
      for (const rule of ssh) expect(rule.cidr_ipv4 ?? rule.referenced_security_group_id).not.toMatch(/\/0$/);
      const fromCidrs = ssh.filter((rule) => rule.cidr_ipv4 !== undefined);
      expect(fromCidrs.map((rule) => [rule.cidr_ipv4, rule.security_group_id])).toEqual([[REAL.adminCidrs[0], ref('aws_security_group', group(stack, 'bastion'))]]);
    }
  });

  test('least-privilege chain: internet -> ALB -> app:HTTP, bastion -> app:22, nothing else into the app tier', () => {
    const [alb, app, bastion] = ['alb', 'app', 'bastion'].map((name) => ref('aws_security_group', group(plain, name)));
    const into = (sg: string) => ingress(plain).filter((rule) => rule.security_group_id === sg);
    expect(into(app).map((rule) => [rule.from_port, rule.referenced_security_group_id])).toEqual(expect.arrayContaining([[80, alb], [22, bastion]]));
    expect(into(app)).toHaveLength(2);
    expect(into(app).every((rule) => rule.cidr_ipv4 === undefined)).toBe(true);
    expect(into(alb).map((rule) => [rule.from_port, rule.cidr_ipv4])).toEqual([[80, '0.0.0.0/0']]);
    const albOut = egress(plain).filter((rule) => rule.security_group_id === alb);
    expect(albOut.map((rule) => [rule.from_port, rule.referenced_security_group_id])).toEqual([[80, app]]);
    const bastionSsh = egress(plain).filter((rule) => rule.security_group_id === bastion && rule.from_port === 22);
    expect(bastionSsh.map((rule) => rule.cidr_ipv4)).toEqual(['10.40.0.0/16']);
    for (const rule of [...ingress(plain), ...egress(plain)]) expect(String(rule.description)).not.toBe('');
    // Egress to anywhere is only HTTP/HTTPS (package updates), never all ports.
    for (const rule of egress(plain).filter((r) => r.cidr_ipv4 === '0.0.0.0/0')) expect([80, 443]).toContain(rule.from_port);
    expect(egress(plain).every((rule) => rule.ip_protocol === 'tcp' && rule.from_port === rule.to_port)).toBe(true);
  });

  test('app instances: no public IP, private subnets, round-robin across every zone', () => {
    const subnets = resourcesOfType(plain, 'aws_subnet');
    const privateSubnets = subnets.filter((s) => s.id.startsWith('network_private-'));
    const instances = resourcesOfType(plain, 'aws_instance').filter((i) => i.id.startsWith('app-tier_'));
    expect(instances).toHaveLength(3);
    const zoneOf = (instance: Record<string, unknown>) => privateSubnets.find((s) => ref('aws_subnet', s) === instance.subnet_id)?.availability_zone;
    expect(instances.map(zoneOf)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    for (const instance of instances) expect(instance.associate_public_ip_address).toBe(false);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    const routes = resourcesOfType(plain, 'aws_route');
    for (const zone of ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']) {
      const defaultRoute = routes.find((r) => r.id.startsWith(`network_private-${zone}-default`))!;
      expect(defaultRoute.nat_gateway_id).toMatch(/aws_nat_gateway/);
      expect(defaultRoute.gateway_id).toBeUndefined();
    }
  });

  test('every instance requires IMDSv2 and has an encrypted root volume', () => {
    const instances = resourcesOfType(plain, 'aws_instance');
    expect(instances).toHaveLength(5);
    for (const instance of instances) {
      expect(instance.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
      expect(instance.root_block_device).toMatchObject({ encrypted: true });
    }
  });

  test('the bastion sits in a public subnet behind an Elastic IP', () => {
    const bastion = resourcesOfType(plain, 'aws_instance').find((i) => i.id.startsWith('bastion_'))!;
    expect(bastion.subnet_id).toContain('network_public-eu-west-1a');
    expect(Testing.toHaveResourceWithProperties(plain.text, 'aws_eip', { instance: ref('aws_instance', bastion), domain: 'vpc' })).toBe(true);
  });

  test('ALB: public subnets, invalid headers dropped, defensive desync mitigation, access logs, /health with a short deregistration delay', () => {
    const [alb] = resourcesOfType(plain, 'aws_lb');
    expect(alb).toMatchObject({ load_balancer_type: 'application', internal: false, drop_invalid_header_fields: true, desync_mitigation_mode: 'defensive', enable_deletion_protection: false });
    expect(alb.subnets).toHaveLength(3);
    for (const subnet of alb.subnets as string[]) expect(subnet).toContain('network_public-');
    expect(alb.access_logs).toMatchObject({ enabled: true, prefix: 'alb' });
    const [tg] = resourcesOfType(plain, 'aws_lb_target_group');
    expect(tg.health_check).toMatchObject({ path: '/health', matcher: '200' });
    expect(Number(tg.deregistration_delay)).toBeLessThanOrEqual(60);
    expect(resourcesOfType(https, 'aws_lb')[0].enable_deletion_protection).toBe(true);
  });

  test('without a certificate: plain HTTP only; with one: HTTPS with a TLS 1.3/1.2 policy and HTTP redirected to HTTPS', () => {
    expect(resourcesOfType(plain, 'aws_lb_listener').map((l) => [l.port, l.protocol])).toEqual([[80, 'HTTP']]);
    const listeners = resourcesOfType(https, 'aws_lb_listener');
    const secure = listeners.find((l) => l.port === 443)!;
    expect(secure).toMatchObject({ protocol: 'HTTPS', certificate_arn: CERT, ssl_policy: TLS_POLICY });
    expect(TLS_POLICY).toMatch(/TLS13-1-2/);
    const redirect = listeners.find((l) => l.port === 80)!;
    expect(redirect.default_action).toEqual([expect.objectContaining({ type: 'redirect', redirect: expect.objectContaining({ protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' }) })]);
    expect(ingress(https).filter((rule) => rule.from_port === 443)).toHaveLength(1);
  });

  test('access-log bucket: SSE-S3, public access blocked, lifecycle, policy for the ELB account of an old region, TLS only', () => {
    expect(Testing.toHaveResourceWithProperties(plain.text, 'aws_s3_bucket_server_side_encryption_configuration', { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }] })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(plain.text, 'aws_s3_bucket_public_access_block', { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true })).toBe(true);
    const [lifecycle] = resourcesOfType(plain, 'aws_s3_bucket_lifecycle_configuration');
    expect(JSON.stringify(lifecycle.rule)).toContain('"expiration":[{"days":90}]');
    const policy = plain.json.data!.aws_iam_policy_document;
    const statements = JSON.stringify(Object.entries(policy).find(([id]) => id.startsWith('alb-logs_'))![1]);
    expect(statements).toContain('data.aws_elb_service_account');
    expect(statements).not.toContain(LOG_DELIVERY_SERVICE);
    expect(statements).toContain('aws:SecureTransport');
  });

  test('access-log bucket in a region without an ELB account (opened after August 2022): the log-delivery service writes, no account lookup', () => {
    for (const [region, zones] of [['eu-central-2', ['eu-central-2a', 'eu-central-2b']], ['me-central-1', ['me-central-1a', 'me-central-1b']], ['ap-southeast-4', ['ap-southeast-4a', 'ap-southeast-4b']]] as const) {
      const stack = synthStack(testConfig({ region, availabilityZones: [...zones] }));
      expect(stack.json.data?.aws_elb_service_account).toBeUndefined();
      const [, document] = Object.entries(stack.json.data!.aws_iam_policy_document).find(([id]) => id.startsWith('alb-logs_'))!;
      const writers = (document.statement as Array<{ actions: string[]; principals: unknown[] }>).filter((s) => s.actions.includes('s3:PutObject'));
      expect(writers.map((s) => s.principals)).toEqual([[{ type: 'Service', identifiers: [LOG_DELIVERY_SERVICE] }]]);
    }
  });

  test("the access-log bucket can be destroyed with its logs only where deletion protection is off (staging), never by default", () => {
    expect(resourcesOfType(plain, 'aws_s3_bucket')[0].force_destroy).toBe(true);
    expect(resourcesOfType(https, 'aws_s3_bucket')[0].force_destroy).toBe(false);
    const { deletionProtection: _off, ...defaults } = testConfig();
    const protectedByDefault = synthStack({ ...defaults, name: 'test' });
    expect(resourcesOfType(protectedByDefault, 'aws_s3_bucket')[0].force_destroy).toBe(false);
    expect(resourcesOfType(protectedByDefault, 'aws_lb')[0].enable_deletion_protection).toBe(true);
  });

  test('network: public, private and database subnet per zone, NAT single or per zone, flow logs on', () => {
    const cidrs = (kind: string) => resourcesOfType(plain, 'aws_subnet').filter((s) => s.id.startsWith(`network_${kind}-`)).map((s) => [s.availability_zone, s.cidr_block]);
    expect(cidrs('public')).toEqual([['eu-west-1a', '10.40.0.0/20'], ['eu-west-1b', '10.40.16.0/20'], ['eu-west-1c', '10.40.32.0/20']]);
    expect(cidrs('private')).toEqual([['eu-west-1a', '10.40.128.0/20'], ['eu-west-1b', '10.40.144.0/20'], ['eu-west-1c', '10.40.160.0/20']]);
    // The VPC's last sixteenth, cut in eight: no subnet that existed before the database moved.
    expect(cidrs('database')).toEqual([['eu-west-1a', '10.40.240.0/23'], ['eu-west-1b', '10.40.242.0/23'], ['eu-west-1c', '10.40.244.0/23']]);
    expect(resourcesOfType(plain, 'aws_subnet')).toHaveLength(9);
    expect(resourcesOfType(plain, 'aws_nat_gateway')).toHaveLength(1);
    expect(resourcesOfType(https, 'aws_nat_gateway')).toHaveLength(2);
    expect(Testing.toHaveResourceWithProperties(plain.text, 'aws_flow_log', { traffic_type: 'ALL' })).toBe(true);
  });

  test('monitoring and self-healing: recover alarm on every instance (bastion too), CPU, unhealthy hosts, 5xx rate, all to SNS; daily DLM snapshots of tagged volumes', () => {
    const alarms = resourcesOfType(plain, 'aws_cloudwatch_metric_alarm');
    const recover = alarms.filter((a) => a.metric_name === 'StatusCheckFailed_System');
    const instances = resourcesOfType(plain, 'aws_instance');
    expect(recover.map((a) => (a.dimensions as { InstanceId: string }).InstanceId).sort()).toEqual(instances.map((i) => ref('aws_instance', i)).sort());
    for (const alarm of recover) expect(alarm.alarm_actions).toContain('arn:aws:automate:eu-west-1:ec2:recover');
    expect(alarms.filter((a) => a.metric_name === 'CPUUtilization' && a.namespace === 'AWS/EC2')).toHaveLength(3);
    expect(alarms.filter((a) => a.metric_name === 'UnHealthyHostCount')).toHaveLength(1);
    expect(JSON.stringify(alarms.find((a) => a.id.startsWith('monitoring_target-5xx'))!.metric_query)).toContain('HTTPCode_Target_5XX_Count');
    for (const alarm of alarms) expect(JSON.stringify(alarm.alarm_actions)).toContain('aws_sns_topic.monitoring_alarms');
    const [dlm] = resourcesOfType(plain, 'aws_dlm_lifecycle_policy');
    const details = dlm.policy_details as { target_tags: Record<string, string>; schedule: Array<{ retain_rule: { count: number } }> };
    expect(details.schedule[0].retain_rule.count).toBe(7);
    const appVolumeTags = resourcesOfType(plain, 'aws_instance').filter((i) => i.id.startsWith('app-tier_')).map((i) => (i.root_block_device as { tags: unknown }).tags);
    for (const tags of appVolumeTags) expect(tags).toEqual(details.target_tags);
  });

  test('only the app instances have AWS credentials (one shared instance profile), and the only log group is the flow logs (nothing ships logs to CloudWatch)', () => {
    const [profile] = resourcesOfType(plain, 'aws_iam_instance_profile');
    expect(resourcesOfType(plain, 'aws_iam_instance_profile')).toHaveLength(1);
    for (const instance of resourcesOfType(plain, 'aws_instance')) {
      expect(instance.iam_instance_profile).toBe(instance.id.startsWith('app-tier_') ? ref('aws_iam_instance_profile', profile, 'name') : undefined);
    }
    expect(resourcesOfType(plain, 'aws_cloudwatch_log_group').map((group) => group.name)).toEqual(['/webtier-test/vpc-flow-logs']);
    expect(resourcesOfType(plain, 'aws_iam_role').map((role) => role.name_prefix).sort()).toEqual(['webtier-test-app-', 'webtier-test-dlm-', 'webtier-test-flow-logs-']);
  });

  test('tags: default tags on the provider, Role and Name on every taggable resource', () => {
    expect(Testing.toHaveProviderWithProperties(plain.text, 'aws', { default_tags: [{ tags: { Project: 'webtier', Environment: 'test', ManagedBy: 'cdktf' } }] })).toBe(true);
    const tagged = Object.values(plain.json.resource).flatMap((byId) => Object.values(byId)).filter((body) => 'tags' in body);
    expect(tagged.length).toBeGreaterThan(40);
    for (const body of tagged) expect(body.tags).toEqual(expect.objectContaining({ Role: expect.any(String), Name: expect.any(String) }));
  });

  test('optional Route 53 alias record for the load balancer', () => {
    expect(resourcesOfType(plain, 'aws_route53_record')).toHaveLength(0);
    const [record] = resourcesOfType(https, 'aws_route53_record');
    expect(record).toMatchObject({ zone_id: REAL.zoneId, name: REAL.recordName, type: 'A' });
    expect(record.alias).toMatchObject({ evaluate_target_health: true });
  });

  test('state: local by default; S3 with use_lockfile, DynamoDB only when asked', () => {
    // In state/ at the project root, never under cdktf.out/ (which a clean deletes).
    expect(plain.json.terraform.backend).toEqual({ local: { path: path.join(__dirname, '..', '..', 'state', 'terraform.webtier-test.tfstate') } });
    const chosen = synthStack(testConfig({ stateBackend: { type: 'local', path: 'elsewhere/test.tfstate' } }));
    expect(chosen.json.terraform.backend).toEqual({ local: { path: path.join(__dirname, '..', '..', 'elsewhere', 'test.tfstate') } });
    const s3 = synthStack(testConfig({ stateBackend: { type: 's3', bucket: 'state-bucket', key: 'web/test.tfstate', region: 'eu-west-1' } }));
    expect(s3.json.terraform.backend).toEqual({ s3: { bucket: 'state-bucket', key: 'web/test.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true } });
    const legacy = synthStack(testConfig({ stateBackend: { type: 's3', bucket: 'state-bucket', key: 'k', region: 'eu-west-1', useLockfile: false, dynamodbTable: 'locks' } }));
    expect(legacy.json.terraform.backend).toEqual({ s3: expect.objectContaining({ dynamodb_table: 'locks' }) });
    expect(JSON.stringify(legacy.json.terraform.backend)).not.toContain('use_lockfile');
  });

  test('outputs: exactly the contract ids, static (no construct paths), app instances named app-1..N with their zones', () => {
    expect(Object.keys(plain.json.output).sort()).toEqual(Object.values(OUTPUT_IDS).sort());
    const apps = plain.json.output.app_instances.value as Array<Record<string, string>>;
    expect(apps.map((a) => [a.name, a.availability_zone])).toEqual([['app-1', 'eu-west-1a'], ['app-2', 'eu-west-1b'], ['app-3', 'eu-west-1c']]);
    expect(apps[0].private_ip).toMatch(/^\$\{aws_instance\.app-tier_app-1_instance_[0-9A-F]+\.private_ip\}$/);
    expect(plain.json.output.load_balancer.value).toEqual({ driver: 'alb', region: 'eu-west-1', target_group_arn: expect.stringContaining('aws_lb_target_group'), port: 80 });
    expect(https.json.output.load_balancer_dns.value).toContain('aws_route53_record');
    const [collector] = resourcesOfType(plain, 'aws_instance').filter((i) => i.id.startsWith('log-collector_'));
    expect(plain.json.output.log_collectors.value).toEqual([{ name: 'logs', private_ip: ref('aws_instance', collector, 'private_ip'), availability_zone: 'eu-west-1b', instance_id: ref('aws_instance', collector) }]);
  });

  test('the log collector: one private instance in the second zone, role logs, backed up, with a recover alarm', () => {
    const [collector] = resourcesOfType(plain, 'aws_instance').filter((i) => i.id.startsWith('log-collector_'));
    expect(collector.subnet_id).toContain('network_private-eu-west-1b');
    expect(collector).toMatchObject({ associate_public_ip_address: false, instance_type: 't3.micro', tags: { Name: 'webtier-test-logs', Role: 'logs' } });
    expect(collector.vpc_security_group_ids).toEqual([ref('aws_security_group', group(plain, 'logs'))]);
    expect((collector.root_block_device as { volume_size: number; tags: unknown }).volume_size).toBe(20);
    const [dlm] = resourcesOfType(plain, 'aws_dlm_lifecycle_policy');
    expect((collector.root_block_device as { tags: unknown }).tags).toEqual((dlm.policy_details as { target_tags: unknown }).target_tags);
    const recover = resourcesOfType(plain, 'aws_cloudwatch_metric_alarm').filter((a) => a.metric_name === 'StatusCheckFailed_System');
    expect(recover.map((a) => (a.dimensions as { InstanceId: string }).InstanceId)).toContain(ref('aws_instance', collector));
  });

  test('syslog over TLS (6514): app and bastion to the collector, group to group; SSH to it only from the bastion; nothing else into it', () => {
    expect(SYSLOG_TLS_PORT).toBe(6514);
    for (const stack of [plain, https]) {
      const [app, bastion, logs] = ['app', 'bastion', 'logs'].map((name) => ref('aws_security_group', group(stack, name)));
      const into = ingress(stack).filter((rule) => rule.security_group_id === logs);
      expect(into.map((rule) => [rule.from_port, rule.to_port, rule.referenced_security_group_id]).sort()).toEqual(
        [[22, 22, bastion], [6514, 6514, app], [6514, 6514, bastion]].sort(),
      );
      expect(into.every((rule) => rule.cidr_ipv4 === undefined && rule.ip_protocol === 'tcp')).toBe(true);
      const syslogOut = egress(stack).filter((rule) => rule.from_port === 6514);
      expect(syslogOut.map((rule) => [rule.security_group_id, rule.referenced_security_group_id]).sort()).toEqual([[app, logs], [bastion, logs]].sort());
      expect(syslogOut.every((rule) => rule.cidr_ipv4 === undefined && rule.to_port === 6514)).toBe(true);
      // The collector itself sends nothing but package-update traffic.
      expect(egress(stack).filter((rule) => rule.security_group_id === logs).map((rule) => rule.from_port).sort()).toEqual([443, 80]);
    }
  });

  test("the VPC's default security group is adopted with no rules at all", () => {
    const [defaultGroup] = resourcesOfType(plain, 'aws_default_security_group');
    expect(defaultGroup).toMatchObject({ vpc_id: expect.stringContaining('aws_vpc.network_vpc'), ingress: [], egress: [] });
  });

  test('every instance ignores later AMI changes (a new image never replaces the fleet)', () => {
    for (const stack of [plain, https]) {
      const instances = resourcesOfType(stack, 'aws_instance');
      expect(instances.length).toBeGreaterThan(0);
      for (const instance of instances) expect((instance.lifecycle as { ignore_changes: string[] }).ignore_changes).toEqual(['ami', 'key_name']);
    }
  });

  test("the image: Debian 12's SSM parameter by default, a literal AMI id used as given", () => {
    const { ami: _literal, ...withoutAmi } = testConfig();
    const fromSsm = synthStack({ ...withoutAmi, name: 'test' });
    expect(fromSsm.json.data!.aws_ssm_parameter).toEqual({ image: expect.objectContaining({ name: DEBIAN_BOOKWORM_AMD64 }) });
    for (const instance of resourcesOfType(fromSsm, 'aws_instance')) expect(instance.ami).toBe('${data.aws_ssm_parameter.image.insecure_value}');
    expect(plain.json.data!.aws_ssm_parameter).toBeUndefined();
    for (const instance of resourcesOfType(plain, 'aws_instance')) expect(instance.ami).toBe(REAL.ami);
  });

  test('ebs_optimized only where the type supports it: set on t3, absent on t2 (which rejects it)', () => {
    for (const instance of resourcesOfType(plain, 'aws_instance')) expect(instance.ebs_optimized).toBe(true);
    const t2 = synthStack(testConfig({ app: { count: 1, instanceType: 't2.small' }, bastion: { instanceType: 't2.micro' } }));
    const byRole = Object.fromEntries(resourcesOfType(t2, 'aws_instance').map((i) => [(i.tags as { Role: string }).Role, i]));
    expect(byRole.app.instance_type).toBe('t2.small');
    expect(byRole.app.ebs_optimized).toBeUndefined();
    expect(byRole.bastion.ebs_optimized).toBeUndefined();
    expect(byRole.logs.ebs_optimized).toBe(true);
  });

  test("the provider acts only in the environment's account (allowed_account_ids)", () => {
    expect(plain.json.provider.aws).toEqual([expect.objectContaining({ allowed_account_ids: [REAL.accountId], region: 'eu-west-1' })]);
  });

  test('an instance out of service exists, with its alarms, but is not in the target group', () => {
    const stack = synthStack(testConfig({ app: { count: 3, outOfService: ['app-3'] } }));
    const attached = resourcesOfType(stack, 'aws_lb_target_group_attachment').map((a) => a.target_id);
    const apps = resourcesOfType(stack, 'aws_instance').filter((i) => i.id.startsWith('app-tier_'));
    expect(apps).toHaveLength(3);
    expect(attached).toEqual(apps.filter((i) => !i.id.startsWith('app-tier_app-3_')).map((i) => ref('aws_instance', i)));
    expect((stack.json.output.app_instances.value as Array<{ name: string }>).map((a) => a.name)).toEqual(['app-1', 'app-2', 'app-3']);
  });

  test("defaults left out of the config are the constructs' own", () => {
    const stack = synthStack(testConfig());
    const byRole = Object.fromEntries(resourcesOfType(stack, 'aws_instance').map((i) => [(i.tags as { Role: string }).Role, i]));
    expect([byRole.app.instance_type, byRole.bastion.instance_type, byRole.logs.instance_type]).toEqual(['t3.small', 't3.micro', 't3.micro']);
    expect([byRole.app, byRole.bastion, byRole.logs].map((i) => (i.root_block_device as { volume_size: number }).volume_size)).toEqual([16, 8, 20]);
    expect(resourcesOfType(stack, 'aws_nat_gateway')).toHaveLength(1);
    expect(resourcesOfType(stack, 'aws_cloudwatch_log_group')[0].retention_in_days).toBe(90);
    expect(JSON.stringify(resourcesOfType(stack, 'aws_s3_bucket_lifecycle_configuration')[0].rule)).toContain('"expiration":[{"days":90}]');
    expect(JSON.stringify(resourcesOfType(stack, 'aws_dlm_lifecycle_policy')[0].policy_details)).toContain('"retain_rule":{"count":7}');
    expect(resourcesOfType(stack, 'aws_lb_target_group')[0].port).toBe(80);
  });
});
