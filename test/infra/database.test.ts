import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnvironmentConfig } from '../../stacks/environment-config';
import { POSTGRES_PORT } from '../../stacks/database';
import { stackOutputs } from '../../src/contract/stack-outputs';
import { editedTemplate, ref, resourcesOfType, synthStack, testConfig, type SynthesizedStack } from './stack-fixture';

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [key, ...keysOf(item)]);
}

describe('the database tier, synthesized JSON', () => {
  let dir: string;
  let production: SynthesizedStack;
  let staging: SynthesizedStack;
  let plain: SynthesizedStack;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'webtier-database-'));
    // The shipped templates as a user leaves them after editing: what each environment really gets.
    production = synthStack(loadEnvironmentConfig(editedTemplate('production', mkdtempSync(path.join(dir, 'production-')))));
    staging = synthStack(loadEnvironmentConfig(editedTemplate('staging', mkdtempSync(path.join(dir, 'staging-')))));
    plain = synthStack(testConfig());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const database = (stack: SynthesizedStack) => {
    const instances = resourcesOfType(stack, 'aws_db_instance');
    expect(instances).toHaveLength(1);
    return instances[0];
  };
  const group = (stack: SynthesizedStack, name: string) => ref('aws_security_group', resourcesOfType(stack, 'aws_security_group').find((sg) => sg.id.startsWith(`security-groups_${name}_`))!);
  const rules = (stack: SynthesizedStack, direction: 'ingress' | 'egress') => resourcesOfType(stack, `aws_vpc_security_group_${direction}_rule`);

  test('RDS for PostgreSQL: never publicly accessible, storage encrypted, an RDS-managed password, automatic minor upgrades', () => {
    for (const stack of [production, staging, plain]) {
      expect(database(stack)).toMatchObject({
        engine: 'postgres',
        engine_version: '16',
        publicly_accessible: false,
        storage_encrypted: true,
        storage_type: 'gp3',
        manage_master_user_password: true,
        auto_minor_version_upgrade: true,
        copy_tags_to_snapshot: true,
        port: POSTGRES_PORT,
        vpc_security_group_ids: [group(stack, 'database')],
      });
      expect(database(stack).password).toBeUndefined();
    }
  });

  test('no password anywhere: the synthesized JSON has no "password" key at all (nor password_wo)', () => {
    for (const stack of [production, staging, plain]) {
      expect(keysOf(stack.json).filter((key) => /^password/.test(key))).toEqual([]);
      expect(stack.text).not.toMatch(/"password(_wo)?"\s*:/);
    }
  });

  test('in the database subnets, one per zone, whose route table has no route at all (not even to a NAT gateway)', () => {
    for (const stack of [production, staging]) {
      const subnets = resourcesOfType(stack, 'aws_subnet').filter((s) => s.id.startsWith('network_database-'));
      const zones = resourcesOfType(stack, 'aws_subnet').filter((s) => s.id.startsWith('network_private-')).map((s) => s.availability_zone);
      expect(subnets.map((s) => s.availability_zone)).toEqual(zones);
      const [subnetGroup] = resourcesOfType(stack, 'aws_db_subnet_group');
      expect(subnetGroup.subnet_ids).toEqual(subnets.map((s) => ref('aws_subnet', s)));
      expect(database(stack).db_subnet_group_name).toBe(ref('aws_db_subnet_group', subnetGroup, 'name'));

      const associations = resourcesOfType(stack, 'aws_route_table_association').filter((a) => subnets.some((s) => a.subnet_id === ref('aws_subnet', s)));
      expect(associations).toHaveLength(subnets.length);
      const tables = new Set(associations.map((a) => a.route_table_id));
      expect(tables.size).toBe(1);
      const [table] = tables;
      expect(resourcesOfType(stack, 'aws_route').filter((route) => route.route_table_id === table)).toEqual([]);
      const [tableBody] = resourcesOfType(stack, 'aws_route_table').filter((t) => ref('aws_route_table', t) === table);
      expect(tableBody.route).toBeUndefined();
    }
  });

  test('TLS required: a parameter group of the engine major version with rds.force_ssl=1', () => {
    for (const stack of [production, staging]) {
      const [parameters] = resourcesOfType(stack, 'aws_db_parameter_group');
      expect(parameters).toMatchObject({ family: 'postgres16', parameter: [{ name: 'rds.force_ssl', value: '1', apply_method: 'pending-reboot' }], lifecycle: { create_before_destroy: true } });
      expect(database(stack).parameter_group_name).toBe(ref('aws_db_parameter_group', parameters, 'name'));
    }
    const pinned = synthStack(testConfig({ database: { engineVersion: '17.2' } }));
    expect(database(pinned).engine_version).toBe('17.2');
    expect(resourcesOfType(pinned, 'aws_db_parameter_group')[0].family).toBe('postgres17');
  });

  test('5432 only from the app group: one ingress rule on the database group, no egress from it; the app group may reach it', () => {
    for (const stack of [production, staging]) {
      const [app, db] = [group(stack, 'app'), group(stack, 'database')];
      const into = rules(stack, 'ingress').filter((rule) => rule.security_group_id === db);
      expect(into.map(({ ip_protocol, from_port, to_port, referenced_security_group_id, cidr_ipv4 }) => ({ ip_protocol, from_port, to_port, referenced_security_group_id, cidr_ipv4 }))).toEqual([
        { ip_protocol: 'tcp', from_port: 5432, to_port: 5432, referenced_security_group_id: app, cidr_ipv4: undefined },
      ]);
      expect(rules(stack, 'egress').filter((rule) => rule.security_group_id === db)).toEqual([]);
      const toDatabase = [...rules(stack, 'ingress'), ...rules(stack, 'egress')].filter((rule) => rule.from_port === 5432 || rule.referenced_security_group_id === db);
      expect(toDatabase.map((rule) => [rule.id.split('_')[1], rule.security_group_id, rule.referenced_security_group_id]).sort()).toEqual([
        ['app-out-database', app, db],
        ['database-in-app', db, app],
      ]);
      for (const rule of toDatabase) expect(rule.description).toMatch(/^PostgreSQL (to|from) the /);
    }
  });

  test('production: Multi-AZ, deletion protection and a final snapshot named after the instance; staging: none of them', () => {
    // Each is its own setting: turning deletion protection off to destroy production keeps the final snapshot.
    expect(database(production)).toMatchObject({
      identifier: 'webtier-production-database',
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'webtier-production-database-final',
    });
    expect(database(staging)).toMatchObject({ identifier: 'webtier-staging-database', multi_az: false, deletion_protection: false, skip_final_snapshot: true });
    expect(database(staging).final_snapshot_identifier).toBeUndefined();
  });

  test('automated backups kept as the environment says (production 14 days, staging 7), 7 by default', () => {
    expect(database(production).backup_retention_period).toBe(14);
    expect(database(staging).backup_retention_period).toBe(7);
    expect(database(plain).backup_retention_period).toBe(7);
  });

  test("defaults left out of the config are the construct's own; each setting reaches the instance", () => {
    // testConfig turns deletion protection off, and that alone.
    expect(database(plain)).toMatchObject({
      instance_class: 'db.t4g.micro',
      allocated_storage: 20,
      db_name: 'bookshelf',
      username: 'bookshelf',
      multi_az: true,
      deletion_protection: false,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'webtier-test-database-final',
      performance_insights_enabled: false,
    });
    expect(database(plain).max_allocated_storage).toBeUndefined();
    const set = synthStack(
      testConfig({ database: { instanceClass: 'db.m7g.large', allocatedStorageGiB: 100, maxAllocatedStorageGiB: 500, multiAz: false, finalSnapshot: false, performanceInsights: true, name: 'catalog', user: 'shelf_app', backupRetentionDays: 35 } }),
    );
    expect(database(set)).toMatchObject({
      instance_class: 'db.m7g.large',
      allocated_storage: 100,
      max_allocated_storage: 500,
      multi_az: false,
      skip_final_snapshot: true,
      performance_insights_enabled: true,
      db_name: 'catalog',
      username: 'shelf_app',
      backup_retention_period: 35,
    });
    expect(set.json.output.database.value).toMatchObject({ name: 'catalog', user: 'shelf_app' });
  });

  test("the credential is readable only by the app instances' role: GetSecretValue and DescribeSecret on exactly the database's secret", () => {
    for (const stack of [production, plain]) {
      const secret = ref('aws_db_instance', database(stack), 'master_user_secret[0].secret_arn');
      const documents = Object.entries(stack.json.data!.aws_iam_policy_document);
      const granting = documents.filter(([, document]) => JSON.stringify(document).includes('secretsmanager:'));
      expect(granting.map(([id]) => id.split('_')[1])).toEqual(['app-read-secrets-policy']);
      const [[id, document]] = granting;
      expect(document.statement).toEqual([{ effect: 'Allow', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secret] }]);

      const [policy] = resourcesOfType(stack, 'aws_iam_role_policy').filter((p) => p.policy === `\${data.aws_iam_policy_document.${id}.json}`);
      const [role] = resourcesOfType(stack, 'aws_iam_role').filter((r) => ref('aws_iam_role', r) === policy.role);
      const [trustId] = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(String(role.assume_role_policy))!.slice(1);
      expect(JSON.stringify(stack.json.data!.aws_iam_policy_document[trustId])).toContain('"identifiers":["ec2.amazonaws.com"]');
      const [profile] = resourcesOfType(stack, 'aws_iam_instance_profile');
      expect(profile.role).toBe(ref('aws_iam_role', role, 'name'));
      const withProfile = resourcesOfType(stack, 'aws_instance').filter((i) => i.iam_instance_profile !== undefined);
      expect(withProfile.map((i) => (i.tags as { Role: string }).Role)).toEqual(withProfile.map(() => 'app'));
      expect(withProfile).toHaveLength(resourcesOfType(stack, 'aws_instance').filter((i) => i.id.startsWith('app-tier_')).length);
    }
  });

  test('alarms on CPU, free storage and connections, by instance identifier, to the alarm topic', () => {
    const alarms = resourcesOfType(production, 'aws_cloudwatch_metric_alarm').filter((a) => a.namespace === 'AWS/RDS');
    const [topic] = resourcesOfType(production, 'aws_sns_topic');
    expect(alarms.map((a) => [a.metric_name, a.comparison_operator, a.threshold]).sort()).toEqual([
      ['CPUUtilization', 'GreaterThanThreshold', 80],
      ['DatabaseConnections', 'GreaterThanThreshold', 50],
      // 10% of the 20 GiB allocated, in bytes.
      ['FreeStorageSpace', 'LessThanThreshold', 2 * 1024 ** 3],
    ]);
    for (const alarm of alarms) {
      expect(alarm.dimensions).toEqual({ DBInstanceIdentifier: 'webtier-production-database' });
      expect(alarm.alarm_actions).toEqual([ref('aws_sns_topic', topic, 'arn')]);
      expect(alarm.ok_actions).toEqual([ref('aws_sns_topic', topic, 'arn')]);
    }
  });

  test('every database resource is tagged Role database', () => {
    for (const type of ['aws_db_instance', 'aws_db_subnet_group', 'aws_db_parameter_group']) expect(resourcesOfType(production, type)[0].tags).toMatchObject({ Role: 'database' });
  });

  test('the database output: host name, port, name, user and where the credential lives, in the contract shape', () => {
    const db = database(production);
    const value = production.json.output.database.value;
    expect(value).toEqual({
      endpoint: ref('aws_db_instance', db, 'address'),
      port: 5432,
      name: 'bookshelf',
      user: 'bookshelf',
      credential: { kind: 'secretsmanager', secret_arn: ref('aws_db_instance', db, 'master_user_secret[0].secret_arn') },
    });
    expect(stackOutputs.shape.database.parse(value)).toEqual(value);
  });
});
