import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadEnvironmentConfig } from '../../stacks/environment-config';
import { synthStack, testConfig } from './stack-fixture';
import { TerraformHarness, terraformUnavailableReason, type PlanResourceChange } from './terraform-harness';

const unavailable = terraformUnavailableReason();
const describeTerraform = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`SKIPPED: real terraform tests (validate, plan, scaling): ${unavailable}`);

/** Six terraform runs on a busy 2-core machine can take minutes; each takes ~5 s of CPU. */
const TERRAFORM_TIMEOUT_MS = 300_000;

const environmentsDir = path.join(__dirname, '..', '..', 'environments');
const environmentFiles = readdirSync(environmentsDir).filter((f) => f.endsWith('.yaml')).sort();

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

describeTerraform('real terraform, offline (filesystem mirror)', () => {
  const harness = new TerraformHarness();
  afterAll(() => harness.cleanup());

  // Every terraform run starts at once: each is mostly the provider's start-up, so they overlap well.
  const validations = new Map(
    environmentFiles.map((file) => [file, harness.validate(`validate-${file}`, synthStack(loadEnvironmentConfig(path.join(environmentsDir, file))).json)]),
  );
  const planned = Promise.all(
    (
      [
        ['n2', testConfig({ app: { count: 2 } })],
        ['n3', testConfig({ app: { count: 3 } })],
        ['n1', testConfig({ app: { count: 1 } })],
        ['production', loadEnvironmentConfig(path.join(environmentsDir, 'production.yaml'))],
      ] as const
    ).map(async ([name, config]) => [name, await harness.plan(`plan-${name}`, synthStack(config).json)] as const),
  );
  // Settled here so a failure is reported by its own test, not as an unhandled rejection.
  for (const pending of [...validations.values(), planned]) pending.catch(() => undefined);

  test.each(environmentFiles)('terraform init + validate pass on the synthesized %s stack', async (file) => {
    await validations.get(file);
  }, TERRAFORM_TIMEOUT_MS);

  describe('plans', () => {
    const plans: Record<string, PlanResourceChange[]> = {};
    beforeAll(async () => {
      Object.assign(plans, Object.fromEntries(await planned));
    }, TERRAFORM_TIMEOUT_MS);

    test('terraform plan succeeds offline; show -json resource counts by type (2 zones, 2 apps, HTTP)', () => {
      const counts = countByType(plans.n2);
      expect(plans.n2.every((c) => c.change.actions.join() === 'create')).toBe(true);
      expect(counts).toMatchObject({
        aws_vpc: 1, aws_subnet: 4, aws_internet_gateway: 1, aws_nat_gateway: 1, aws_eip: 2, aws_route_table: 3, aws_route: 3, aws_route_table_association: 4, aws_flow_log: 1,
        aws_security_group: 3, aws_vpc_security_group_ingress_rule: 4, aws_vpc_security_group_egress_rule: 6,
        aws_instance: 3, aws_key_pair: 1, aws_lb: 1, aws_lb_target_group: 1, aws_lb_listener: 1, aws_lb_target_group_attachment: 2,
        aws_s3_bucket: 1, aws_s3_bucket_policy: 1, aws_s3_bucket_public_access_block: 1, aws_s3_bucket_server_side_encryption_configuration: 1, aws_s3_bucket_lifecycle_configuration: 1,
        aws_cloudwatch_metric_alarm: 7, aws_sns_topic: 1, aws_dlm_lifecycle_policy: 1,
      });
      expect(counts.aws_route53_record).toBeUndefined();
      expect(plans.n2).toHaveLength(66);
    });

    test('production plan: 3 zones with a NAT gateway each, HTTPS + redirect, DNS alias, 4 apps', () => {
      const counts = countByType(plans.production);
      expect(counts).toMatchObject({ aws_subnet: 6, aws_nat_gateway: 3, aws_lb_listener: 2, aws_route53_record: 1, aws_instance: 5, aws_lb_target_group_attachment: 4, aws_vpc_security_group_ingress_rule: 6 });
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
  });
});
