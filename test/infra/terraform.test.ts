import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnvironmentConfig } from '../../stacks/environment-config';
import { LOG_DELIVERY_SERVICE } from '../../stacks/alb-logs-bucket';
import { StateBootstrapStack, type S3StateBackend } from '../../stacks/state-bootstrap-stack';
import { editedTemplate, REAL, resourcesOfType, synthesized, synthStack, testConfig, type SynthesizedStack } from './stack-fixture';
import { TerraformHarness, terraformUnavailableReason, type PlanResourceChange, type ShownPlan } from './terraform-harness';

const unavailable = terraformUnavailableReason();
const describeTerraform = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`SKIPPED: real terraform tests (validate, plan, scaling): ${unavailable}`);

/** A dozen terraform runs on a busy 2-core machine can take minutes; each takes ~5 s of CPU. */
const TERRAFORM_TIMEOUT_MS = 480_000;

const TEMPLATES = ['production', 'staging'];

function countByType(changes: PlanResourceChange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const change of changes) counts[change.type] = (counts[change.type] ?? 0) + 1;
  return counts;
}

/** Planned values (known and unknown) and configuration expressions, by address. */
function byAddress(changes: PlanResourceChange[]): Map<string, Pick<PlanResourceChange, 'change' | 'expressions'>> {
  return new Map(changes.map((c) => [c.address, { change: c.change, expressions: c.expressions }]));
}

/** What scaling by one must add or remove: the instance and its attachment, plus its two per-instance alarms. */
function perInstanceAddresses(changes: PlanResourceChange[], appName: string): string[] {
  return changes.filter((c) => c.address.includes(`.app-tier_${appName}_`)).map((c) => c.address).sort();
}
const PER_INSTANCE_TYPES = ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_metric_alarm', 'aws_instance', 'aws_lb_target_group_attachment'];

const AMI_BEFORE = REAL.ami;
const INSTANCE_PROFILE = 'webtier-test-app-20261206190000000000000001';
const AMI_AFTER = 'ami-0d2e4c6a8b1f3e5a7';

/**
 * Every instance of a synthesized stack as a stand-alone configuration with the new AMI, and a
 * state in which each exists with the old one. References to the rest of the stack (subnet,
 * groups, key) become the literal values the state holds, so the plan sees exactly one change:
 * the image. `withLifecycle: false` drops the stack's lifecycle block, the control case.
 */
function instancesWithChanged(stack: SynthesizedStack, withLifecycle: boolean, change: { ami?: string; key_name?: string; iam_instance_profile?: string }): { json: { provider: Record<string, unknown[]>; terraform: Record<string, unknown>; resource: object }; state: object } {
  const literal = { subnet_id: 'subnet-0b1c2d3e4f5a60718', vpc_security_group_ids: ['sg-0a1b2c3d4e5f60718'], key_name: 'webtier-test-admin-key' };
  // Instances as they ran before the app tier had an instance profile: without one.
  const instances = resourcesOfType(stack, 'aws_instance').map(({ id, '//': _metadata, lifecycle, iam_instance_profile: _profile, ...body }) => ({ id, lifecycle, body: { ...body, ...literal } as Record<string, unknown> }));
  for (const { body } of instances) expect(JSON.stringify(body)).not.toContain('${');
  const resource = { aws_instance: Object.fromEntries(instances.map(({ id, body, lifecycle }) => [id, { ...body, ami: AMI_BEFORE, ...change, ...(withLifecycle ? { lifecycle } : {}) }])) };
  const state = {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: '3f0c2b6e-1d4a-4b8e-9c7f-2a5d6e8f0b1c',
    outputs: {},
    resources: instances.map(({ id, body }, i) => ({
      mode: 'managed',
      type: 'aws_instance',
      name: id,
      provider: 'provider["registry.terraform.io/hashicorp/aws"]',
      instances: [
        {
          schema_version: 1,
          attributes: {
            ...body,
            id: `i-0123abcd4567ef89${i}`,
            ami: AMI_BEFORE,
            metadata_options: [body.metadata_options],
            root_block_device: [body.root_block_device],
            // Computed attributes whose absence would itself force a replacement.
            security_groups: [],
            ipv6_addresses: [],
          },
          sensitive_attributes: [],
        },
      ],
    })),
  };
  return { json: { terraform: { required_providers: stack.json.terraform.required_providers }, provider: stack.json.provider, resource }, state };
}

describeTerraform('real terraform, offline (filesystem mirror)', () => {
  const harness = new TerraformHarness();
  const envDir = mkdtempSync(path.join(os.tmpdir(), 'webtier-tf-envs-'));
  afterAll(() => {
    harness.cleanup();
    rmSync(envDir, { recursive: true, force: true });
  });

  // The shipped templates as a user leaves them after editing; validate keeps the SSM image
  // parameter (it needs no AWS), the plan pins a literal AMI (reading SSM would).
  const edited = (name: string, changes: Record<string, unknown> = {}) => loadEnvironmentConfig(editedTemplate(name, mkdtempSync(path.join(envDir, `${name}-`)), changes));
  const production = edited('production', { ami: REAL.ami });
  const bootstrap = synthesized((app) => new StateBootstrapStack(app, production, production.stateBackend as S3StateBackend));
  const legacyLockBackend: S3StateBackend = { type: 's3', bucket: REAL.stateBucket, key: 'web/test.tfstate', region: 'eu-west-1', useLockfile: false, dynamodbTable: 'webtier-terraform-locks' };
  const legacyBootstrap = synthesized((app) => new StateBootstrapStack(app, testConfig(), legacyLockBackend));

  // Every terraform run starts at once: each is mostly the provider's start-up, so they overlap well.
  const validations = new Map<string, Promise<void>>([
    ...TEMPLATES.map((name) => [`the edited ${name} template (image from SSM)`, harness.validate(`validate-${name}`, synthStack(edited(name)).json)] as const),
    ['the bootstrap stack', harness.validate('validate-bootstrap', bootstrap.json)],
    ['the bootstrap stack with a DynamoDB lock table', harness.validate('validate-bootstrap-dynamodb', legacyBootstrap.json)],
    ['an environment named with 19 characters (the longest allowed)', harness.validate('validate-name-19', synthStack({ ...testConfig(), name: 'a'.repeat(19) }).json)],
  ]);
  const planned = Promise.all(
    (
      [
        ['n2', testConfig({ app: { count: 2 } })],
        ['n3', testConfig({ app: { count: 3 } })],
        ['n1', testConfig({ app: { count: 1 } })],
        ['n3-app-3-out', testConfig({ app: { count: 3, outOfService: ['app-3'] } })],
        ['production', production],
      ] as const
    ).map(async ([name, config]) => [name, await harness.plan(`plan-${name}`, synthStack(config).json)] as const),
  );
  const shown = Promise.all(
    (
      [
        ['bootstrap', bootstrap.json],
        ['eu-west-1', synthStack(testConfig()).json],
        ['eu-central-2', synthStack(testConfig({ region: 'eu-central-2', availabilityZones: ['eu-central-2a', 'eu-central-2b'] })).json],
      ] as const
    ).map(async ([name, json]) => [name, await harness.planJson(`show-${name}`, json)] as const),
  );
  const amiChange = synthStack(testConfig({ ami: AMI_BEFORE }));
  const changes = { ami: { ami: AMI_AFTER }, key: { key_name: 'webtier-test-admin-key-rotated' } };
  const amiPlans = Promise.all(
    (['ami', 'key'] as const).flatMap((what) =>
      ([['ignore-changes', true], ['control', false]] as const).map(async ([name, withLifecycle]) => {
        const { json, state } = instancesWithChanged(amiChange, withLifecycle, changes[what]);
        return [`${what}-${name}`, await harness.planJson(`${what}-${name}`, json, state)] as const;
      }),
    ),
  );
  const withProfile = instancesWithChanged(amiChange, true, { iam_instance_profile: INSTANCE_PROFILE });
  const profilePlan = harness.planJson('profile', withProfile.json, withProfile.state);
  const tooLong = harness.validate('validate-name-20', synthStack({ ...testConfig(), name: 'a'.repeat(20) }).json);
  // Settled here so a failure is reported by its own test, not as an unhandled rejection.
  for (const pending of [...validations.values(), planned, shown, amiPlans, profilePlan, tooLong]) pending.catch(() => undefined);

  test.each([...validations.keys()])('terraform init + validate pass on %s', async (name) => {
    await validations.get(name);
  }, TERRAFORM_TIMEOUT_MS);

  test('a 20-character environment name fails validate on exactly the two limits the config check cites', async () => {
    const error = await tooLong.then(() => undefined, (err: Error) => err.message);
    expect(error).toMatch(/expected length of name_prefix to be in the range \(1 - 38\), got webtier-a{20}-flow-logs-/);
    expect(error).toMatch(/expected length of bucket_prefix to be in the range \(0 - 37\), got webtier-a{20}-alb-logs-/);
  }, TERRAFORM_TIMEOUT_MS);

  describe('plans', () => {
    const plans: Record<string, PlanResourceChange[]> = {};
    const shows: Record<string, ShownPlan> = {};
    beforeAll(async () => {
      Object.assign(plans, Object.fromEntries(await planned));
      Object.assign(shows, Object.fromEntries(await shown));
    }, TERRAFORM_TIMEOUT_MS);

    test('terraform plan succeeds offline; show -json resource counts by type (2 zones, 2 apps, HTTP)', () => {
      const counts = countByType(plans.n2);
      expect(plans.n2.every((c) => c.change.actions.join() === 'create')).toBe(true);
      expect(counts).toMatchObject({
        aws_vpc: 1, aws_default_security_group: 1, aws_subnet: 6, aws_internet_gateway: 1, aws_nat_gateway: 1, aws_eip: 2, aws_route_table: 4, aws_route: 3, aws_route_table_association: 6, aws_flow_log: 1,
        aws_security_group: 5, aws_vpc_security_group_ingress_rule: 8, aws_vpc_security_group_egress_rule: 11,
        aws_instance: 4, aws_key_pair: 1, aws_lb: 1, aws_lb_target_group: 1, aws_lb_listener: 1, aws_lb_target_group_attachment: 2,
        aws_s3_bucket: 1, aws_s3_bucket_policy: 1, aws_s3_bucket_public_access_block: 1, aws_s3_bucket_server_side_encryption_configuration: 1, aws_s3_bucket_lifecycle_configuration: 1,
        aws_cloudwatch_metric_alarm: 11, aws_sns_topic: 1, aws_dlm_lifecycle_policy: 1, aws_cloudwatch_log_group: 1, aws_iam_role: 3, aws_iam_role_policy: 2,
        aws_db_instance: 1, aws_db_subnet_group: 1, aws_db_parameter_group: 1, aws_iam_instance_profile: 1,
      });
      expect(counts.aws_route53_record).toBeUndefined();
      expect(plans.n2).toHaveLength(90);
    });

    test('the planned database: RDS keeps the password (none planned, so none in state), private, encrypted, its secret known only after apply', () => {
      const [database] = plans.n2.filter((c) => c.type === 'aws_db_instance');
      expect(database.change.after).toMatchObject({ password: null, password_wo: null, manage_master_user_password: true, publicly_accessible: false, storage_encrypted: true, engine_version: '16' });
      expect(database.change.after_unknown).toMatchObject({ master_user_secret: true, address: true });
    });

    test('the edited production template plans: 3 zones with a NAT gateway each, HTTPS + redirect, DNS alias, 4 apps and the collector, a Multi-AZ database', () => {
      const counts = countByType(plans.production);
      expect(counts).toMatchObject({ aws_subnet: 9, aws_nat_gateway: 3, aws_lb_listener: 2, aws_route53_record: 1, aws_instance: 6, aws_lb_target_group_attachment: 4, aws_vpc_security_group_ingress_rule: 10, aws_db_instance: 1 });
      const [database] = plans.production.filter((c) => c.type === 'aws_db_instance');
      expect(database.change.after).toMatchObject({ multi_az: true, deletion_protection: true, skip_final_snapshot: false, final_snapshot_identifier: 'webtier-production-database-final', backup_retention_period: 14 });
    });

    test('scaling N -> N+1 adds exactly app-3 (instance, attachment, its two alarms) and changes nothing else', () => {
      const before = byAddress(plans.n2);
      const after = byAddress(plans.n3);
      const added = [...after.keys()].filter((address) => !before.has(address)).sort();
      expect(added).toEqual(perInstanceAddresses(plans.n3, 'app-3'));
      expect(added.map((address) => address.split('.')[0]).sort()).toEqual(PER_INSTANCE_TYPES);
      for (const [address, planned] of before) expect(after.get(address)).toEqual(planned);
    });

    test('scaling N -> N-1 removes exactly the last instance (app-2) and its per-instance resources', () => {
      const before = byAddress(plans.n2);
      const after = byAddress(plans.n1);
      const removed = [...before.keys()].filter((address) => !after.has(address)).sort();
      expect(removed).toEqual(perInstanceAddresses(plans.n2, 'app-2'));
      expect(removed.map((address) => address.split('.')[0]).sort()).toEqual(PER_INSTANCE_TYPES);
      for (const [address, planned] of after) expect(before.get(address)).toEqual(planned);
    });

    test('a new instance out of service: the instance and its alarms, no attachment; putting it in service adds only the attachment', () => {
      const before = byAddress(plans.n2);
      const pending = byAddress(plans['n3-app-3-out']);
      const added = [...pending.keys()].filter((address) => !before.has(address)).sort();
      expect(added.map((address) => address.split('.')[0]).sort()).toEqual(['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_metric_alarm', 'aws_instance']);
      for (const [address, planned] of before) expect(pending.get(address)).toEqual(planned);
      const inService = byAddress(plans.n3);
      expect([...inService.keys()].filter((address) => !pending.has(address)).map((address) => address.split('.')[0])).toEqual(['aws_lb_target_group_attachment']);
    });

    test('the bootstrap stack plans offline: the versioned, encrypted, private, TLS-only state bucket', () => {
      const changes = shows.bootstrap.resource_changes.filter((c) => !c.address.startsWith('data.'));
      expect(changes.every((c) => c.change.actions.join() === 'create')).toBe(true);
      expect(changes.map((c) => c.type).sort()).toEqual([
        'aws_s3_bucket', 'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_policy',
        'aws_s3_bucket_public_access_block', 'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_versioning',
      ]);
      const after = (type: string) => changes.find((c) => c.type === type)!.change.after as Record<string, unknown>;
      expect(after('aws_s3_bucket')).toMatchObject({ bucket: REAL.stateBucket, force_destroy: false });
      expect(after('aws_s3_bucket_versioning')).toMatchObject({ versioning_configuration: [{ status: 'Enabled' }] });
      expect(after('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(JSON.stringify(after('aws_s3_bucket_server_side_encryption_configuration'))).toContain('"sse_algorithm":"AES256"');
    });

    /** The access-log bucket policy's planned statements (the document is read at apply time: it names the bucket's ARN). */
    const logWriters = (show: ShownPlan) => {
      const read = show.resource_changes.find((c) => c.address.startsWith('data.aws_iam_policy_document.alb-logs_policy-document'))!;
      const statements = (read.change.after as { statement: Array<{ sid: string; actions: string[]; principals: Array<{ type: string; identifiers: string[] }> }> }).statement;
      return statements.filter((s) => s.actions.includes('s3:PutObject')).flatMap((s) => s.principals);
    };

    test('ALB access logs in an old region (eu-west-1): written by the regional ELB account', () => {
      expect(logWriters(shows['eu-west-1'])).toEqual([{ type: 'AWS', identifiers: ['arn:aws:iam::156460612806:root'] }]);
      const accounts = (shows['eu-west-1'].prior_state?.values.root_module.resources ?? []).filter((r) => r.type === 'aws_elb_service_account');
      expect(accounts.map((r) => r.values.arn)).toEqual(['arn:aws:iam::156460612806:root']);
    });

    test('ALB access logs in a region opened after August 2022 (eu-central-2): written by the log-delivery service, no ELB account lookup', () => {
      expect(logWriters(shows['eu-central-2'])).toEqual([{ type: 'Service', identifiers: [LOG_DELIVERY_SERVICE] }]);
      const lookups = [...shows['eu-central-2'].resource_changes.map((c) => c.address), ...(shows['eu-central-2'].prior_state?.values.root_module.resources ?? []).map((r) => r.address)];
      expect(lookups.filter((address) => address.includes('aws_elb_service_account'))).toEqual([]);
    });
  });

  test('an instance profile given to running instances (the app tier, for the database credential) is attached in place: no instance is replaced', async () => {
    const changes = (await profilePlan).resource_changes;
    expect(changes.map((c) => c.type)).toEqual(['aws_instance', 'aws_instance', 'aws_instance', 'aws_instance']);
    for (const change of changes) {
      expect(change.change.actions).toEqual(['update']);
      expect(change.change.replace_paths).toBeUndefined();
      // (The hand-made state lacks a few defaults the provider fills in, so the update lists those too.)
      const { before, after } = change.change as unknown as Record<'before' | 'after', Record<string, unknown>>;
      expect([before.iam_instance_profile, after.iam_instance_profile]).toEqual([null, INSTANCE_PROFILE]);
    }
  }, TERRAFORM_TIMEOUT_MS);

  describe.each([
    ['AMI', 'ami', 'ami'],
    ['SSH key (a new key pair name)', 'key', 'key_name'],
  ] as const)('a changed %s, planned against a state where every instance runs the old one', (_, what, attribute) => {
    const plans: Record<string, ShownPlan> = {};
    beforeAll(async () => {
      Object.assign(plans, Object.fromEntries(await amiPlans));
    }, TERRAFORM_TIMEOUT_MS);

    test(`with the stack lifecycle (ignore_changes = [ami, key_name]): no instance is replaced, each keeps its ${attribute}`, () => {
      const changes = plans[`${what}-ignore-changes`].resource_changes;
      expect(changes.map((c) => c.type)).toEqual(['aws_instance', 'aws_instance', 'aws_instance', 'aws_instance']);
      for (const change of changes) {
        expect(change.change.actions).not.toContain('delete');
        expect((change.change.after as Record<string, string>)[attribute]).toBe(attribute === 'ami' ? AMI_BEFORE : 'webtier-test-admin-key');
      }
    });

    test(`control: the same plan without the lifecycle replaces every instance, forced by ${attribute}`, () => {
      for (const change of plans[`${what}-control`].resource_changes) {
        expect(change.change.actions).toEqual(['delete', 'create']);
        expect(change.change.replace_paths).toEqual([[attribute]]);
      }
    });
  });
});
