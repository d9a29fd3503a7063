import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { EnvironmentConfigError, loadEnvironmentConfig, parseEnvironmentConfig } from '../../stacks/environment-config';
import { loadEnvironments } from '../../stacks/environments';
import { DEBIAN_BOOKWORM_AMD64 } from '../../stacks/machine-image';
import { editedTemplate, REAL, REPO_ENVIRONMENTS, validConfigInput } from './stack-fixture';

/** The fields of each shipped template that still hold an example value: each must be named. */
const TEMPLATE_FIELDS: Record<string, string[]> = {
  staging: ['allowedAccountIds[0]', 'sshPublicKey', 'adminCidrs[0]', 'alarmEmail'],
  production: ['allowedAccountIds[0]', 'sshPublicKey', 'adminCidrs[0]', 'adminCidrs[1]', 'certificateArn', 'dns.zoneId', 'dns.recordName', 'alarmEmail', 'stateBackend.bucket'],
};

/** The message's fields, in order: "line N: field X: ..." after the placeholder header. */
function namedFields(message: string): string[] {
  const [, list] = message.split('before the first deploy:\n');
  return list.split('\n').map((line) => /^ {2}(?:line \d+: )?field (\S+):/.exec(line)![1]);
}

describe('environment configs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'webtier-envs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a config with one change and returns the loader's error message. */
  function loadError(change: (config: Record<string, unknown>) => void): string {
    const config = validConfigInput() as Record<string, unknown>;
    change(config);
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, stringify(config));
    try {
      loadEnvironmentConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(EnvironmentConfigError);
      expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
      return (err as Error).message;
    }
    throw new Error('the config was accepted');
  }

  test('the shipped environments are exactly the templates these tests know', () => {
    expect(readdirSync(REPO_ENVIRONMENTS).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(TEMPLATE_FIELDS).map((name) => `${name}.yaml`).sort());
  });

  test.each(Object.keys(TEMPLATE_FIELDS))('the shipped %s.yaml is a template: refused with one message naming, with its line, every field to edit', (name) => {
    const file = path.join(REPO_ENVIRONMENTS, `${name}.yaml`);
    let message = '';
    try {
      loadEnvironmentConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(EnvironmentConfigError);
      message = (err as Error).message;
    }
    expect(message.startsWith(`${file}: the template's example values are still in place; edit each of these fields before the first deploy:\n`)).toBe(true);
    expect(namedFields(message).sort()).toEqual([...TEMPLATE_FIELDS[name]].sort());
    for (const line of message.split('\n').slice(1)) expect(line).toMatch(/^ {2}line \d+: field \S+: .+: .+/);
  });

  test.each(Object.keys(TEMPLATE_FIELDS))('the shipped %s.yaml, once its example values are replaced, loads', (name) => {
    const config = loadEnvironmentConfig(editedTemplate(name, mkdtempSync(path.join(dir, `${name}-`))));
    expect(config).toMatchObject({ name, allowedAccountIds: [REAL.accountId] });
    expect(config.ami).toBeUndefined();
  });

  test('the valid fixture loads: config-level defaults filled in, construct settings left to the constructs', () => {
    const file = path.join(dir, 'fine.yaml');
    writeFileSync(file, stringify(validConfigInput()));
    const config = loadEnvironmentConfig(file);
    expect(config).toMatchObject({ name: 'fine', sshUser: 'admin', allowSshFromAnywhere: false, stateBackend: { type: 'local' } });
    // One home per default: t3.small, 16 GiB, 90 days... live in the constructs (web-tier-stack.test.ts checks they apply).
    for (const field of ['natGateways', 'backupRetentionDays', 'flowLogRetentionDays', 'accessLogRetentionDays', 'deletionProtection', 'bastion', 'logs', 'ami', 'database'] as const) {
      expect({ field, value: parseEnvironmentConfig('fine', { ...validConfigInput(), deletionProtection: undefined, ami: undefined }, 'fine')[field] }).toEqual({ field, value: undefined });
    }
    expect(config.app).toEqual({ count: 2 });
  });

  describe('example values (templates, AWS documentation) are refused at synth, all in one message', () => {
    const EVERY_KIND = {
      ami: 'ami-0a1b2c3d4e5f67890',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpb0TnG71XQZOp2lpCW1walo7tYWay8vdQnP4kJJ6cg webtier-admin (replace with your own)',
      adminCidrs: ['192.0.2.0/24', '198.51.100.7/32', '203.0.113.0/24', REAL.adminCidrs[0]],
      alarmEmail: 'ops@example.com',
      allowedAccountIds: ['123456789012'],
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0b6e1c52-8f0a-4f0e-9d3c-2a7e5c1d9f00',
      dns: { zoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'www.example.com' },
      stateBackend: { type: 's3', bucket: 'example-webtier-terraform-state', key: 'webtier/test.tfstate', region: 'eu-west-1' },
    };

    test('every kind at once: each field named with its line, and nothing that is real', () => {
      const message = loadError((c) => Object.assign(c, EVERY_KIND));
      expect(namedFields(message)).toEqual(['allowedAccountIds[0]', 'ami', 'sshPublicKey', 'adminCidrs[0]', 'adminCidrs[1]', 'adminCidrs[2]', 'alarmEmail', 'certificateArn', 'dns.zoneId', 'dns.recordName', 'stateBackend.bucket']);
      expect(message).toMatch(/line \d+: field ami: ami-0a1b2c3d4e5f67890 is an example AMI id/);
      expect(message).toMatch(/field adminCidrs\[0\]: 192\.0\.2\.0\/24 is a documentation range \(RFC 5737\)/);
      expect(message).toMatch(/field adminCidrs\[1\]: 198\.51\.100\.7\/32 is in the documentation range 198\.51\.100\.0\/24/);
      expect(message).toMatch(/field certificateArn: the ARN names AWS's example account 123456789012/);
      expect(message).toMatch(/field dns\.zoneId: Z0123456789ABCDEFGHIJ is a made-up hosted zone id/);
      expect(message).toMatch(/field alarmEmail: ops@example\.com is at an example domain/);
      // Nothing else is wrong with the config: the header and one line per field.
      expect(message.split('\n')).toHaveLength(12);
    });

    test.each([
      ['alarmEmail', 'alerts@example.org'],
      ['alarmEmail', 'alerts@mail.example.co.uk'],
      ['alarmEmail', 'oncall@webtier.test'],
      ['allowedAccountIds', ['111122223333']],
      ['ami', 'ami-0123456789abcdef0'],
    ])('%s %j', (field, value) => {
      expect(namedFields(loadError((c) => (c[field] = value)))).toEqual([Array.isArray(value) ? `${field}[0]` : field]);
    });

    test('reported together with the other problems of the same file', () => {
      const message = loadError((c) => {
        c.alarmEmail = 'ops@example.com';
        c.app = { count: 0 };
      });
      expect(message).toMatch(/line \d+: field app\.count: at least 1 app instance is required; the template's example values are still in place/);
      expect(namedFields(message)).toEqual(['alarmEmail']);
    });
  });

  describe('guard rails: each bad config fails with the file, line and field', () => {
    test('admin CIDR 0.0.0.0/0 is refused', () => {
      expect(loadError((c) => (c.adminCidrs = [REAL.adminCidrs[0], '0.0.0.0/0']))).toMatch(/line \d+: field adminCidrs\[1\]: 0\.0\.0\.0\/0 opens SSH to the whole internet; set allowSshFromAnywhere/);
    });
    test('...unless explicitly forced', () => {
      const file = path.join(dir, 'forced.yaml');
      writeFileSync(file, stringify({ ...validConfigInput(), adminCidrs: ['0.0.0.0/0'], allowSshFromAnywhere: true }));
      expect(loadEnvironmentConfig(file).adminCidrs).toEqual(['0.0.0.0/0']);
    });
    test('fewer than 2 availability zones', () => {
      expect(loadError((c) => (c.availabilityZones = ['eu-west-1a']))).toMatch(/line 5: field availabilityZones: at least 2 availability zones/);
    });
    test('a zone outside the region', () => {
      expect(loadError((c) => (c.availabilityZones = ['eu-west-1a', 'us-east-1b']))).toMatch(/field availabilityZones\[1\]: us-east-1b is not in region eu-west-1/);
    });
    test('the same zone twice', () => {
      expect(loadError((c) => (c.availabilityZones = ['eu-west-1a', 'eu-west-1a']))).toMatch(/field availabilityZones\[1\]: eu-west-1a is listed twice/);
    });
    test('app count < 1', () => {
      expect(loadError((c) => (c.app = { count: 0 }))).toMatch(/line \d+: field app\.count: at least 1 app instance/);
    });
    test('app count not a whole number', () => {
      expect(loadError((c) => (c.app = { count: 1.5 }))).toMatch(/field app\.count: app\.count must be a whole number/);
    });
    test('malformed VPC CIDR', () => {
      expect(loadError((c) => (c.vpcCidr = '10.0.0.0/33'))).toMatch(/line \d+: field vpcCidr: expected an IPv4 CIDR/);
    });
    test('VPC CIDR too small for the subnet layout (a database subnet, 1/128 of it, must be a /28 at least)', () => {
      for (const vpcCidr of ['10.0.0.0/26', '10.0.0.0/22']) {
        expect(loadError((c) => (c.vpcCidr = vpcCidr))).toMatch(/field vpcCidr: the VPC CIDR prefix must be between \/16 and \/21 \(a database subnet is 1\/128 of it/);
      }
      expect(parseEnvironmentConfig('fine', { ...validConfigInput(), vpcCidr: '10.0.8.0/21' }, 'fine').vpcCidr).toBe('10.0.8.0/21');
    });
    test('more availability zones than the subnet layout has room for', () => {
      const zones = 'abcdefgh'.split('').map((letter) => `eu-west-1${letter}`);
      expect(loadError((c) => (c.availabilityZones = zones))).toMatch(/line \d+: field availabilityZones: at most 7 availability zones fit the subnet layout/);
    });
    test('malformed admin CIDR', () => {
      expect(loadError((c) => (c.adminCidrs = ['198.18.24.0']))).toMatch(/field adminCidrs\[0\]: expected an IPv4 CIDR/);
    });
    test('no admin CIDR at all', () => {
      expect(loadError((c) => (c.adminCidrs = []))).toMatch(/field adminCidrs: at least one admin CIDR/);
    });
    test('missing SSH public key', () => {
      expect(loadError((c) => delete c.sshPublicKey)).toMatch(/line 1: field sshPublicKey: /);
    });
    test('a private key pasted instead of the public one', () => {
      expect(loadError((c) => (c.sshPublicKey = '-----BEGIN OPENSSH PRIVATE KEY-----'))).toMatch(/field sshPublicKey: this is a private key/);
    });
    test('malformed AMI id', () => {
      expect(loadError((c) => (c.ami = 'debian-12'))).toMatch(/field ami: expected an AMI id such as ami-0123456789abcdef0 or an SSM parameter/);
    });
    test('an amd64 image for a Graviton (arm64) instance type', () => {
      expect(loadError((c) => Object.assign(c, { ami: undefined, app: { count: 2, instanceType: 't4g.small' } }))).toMatch(/field app\.instanceType: t4g\.small is arm64 but the image \/aws\/service\/debian\/release\/bookworm\/latest\/amd64 is amd64/);
      expect(loadError((c) => Object.assign(c, { ami: undefined, bastion: { instanceType: 'm7g.medium' } }))).toMatch(/field bastion\.instanceType: m7g\.medium is arm64/);
      const arm = '/aws/service/debian/release/bookworm/latest/arm64';
      expect(loadError((c) => Object.assign(c, { ami: arm, logs: { instanceType: 't3.micro' } }))).toMatch(/field logs\.instanceType: t3\.micro is amd64 but the image .*arm64 is arm64/);
    });
    test('an image from SSM, or a literal id with any type: accepted', () => {
      const accepted = (overrides: Record<string, unknown>) => parseEnvironmentConfig('fine', { ...validConfigInput(), ...overrides }, 'fine');
      expect(accepted({ ami: DEBIAN_BOOKWORM_AMD64 }).ami).toBe(DEBIAN_BOOKWORM_AMD64);
      expect(accepted({ ami: '/aws/service/debian/release/bookworm/latest/arm64', app: { count: 1, instanceType: 't4g.small' }, bastion: { instanceType: 't4g.nano' }, logs: { instanceType: 'c7gn.medium' } }).app.instanceType).toBe('t4g.small');
      expect(accepted({ app: { count: 1, instanceType: 't4g.small' } }).ami).toBe(REAL.ami);
    });
    test('no allowedAccountIds', () => {
      expect(loadError((c) => delete c.allowedAccountIds)).toMatch(/line 1: field allowedAccountIds: /);
      expect(loadError((c) => (c.allowedAccountIds = []))).toMatch(/field allowedAccountIds: name the AWS account this environment lives in/);
    });
    test('an account id that is not 12 digits, or not quoted (YAML would drop a leading zero)', () => {
      expect(loadError((c) => (c.allowedAccountIds = ['84271930551']))).toMatch(/field allowedAccountIds\[0\]: expected a 12-digit AWS account id$/);
      expect(loadError((c) => (c.allowedAccountIds = [842719305516]))).toMatch(/field allowedAccountIds\[0\]: expected a 12-digit AWS account id in quotes \('012345678901'\)/);
    });
    test('an out-of-service instance that does not exist, twice, or misnamed', () => {
      expect(loadError((c) => (c.app = { count: 2, outOfService: ['app-3'] }))).toMatch(/field app\.outOfService\[0\]: app-3 does not exist: app\.count is 2/);
      expect(loadError((c) => (c.app = { count: 2, outOfService: ['app-2', 'app-2'] }))).toMatch(/field app\.outOfService\[1\]: app-2 is listed twice/);
      expect(loadError((c) => (c.app = { count: 2, outOfService: ['web-1'] }))).toMatch(/field app\.outOfService\[0\]: expected an app instance name such as app-3/);
    });
    test('certificate from another region', () => {
      expect(loadError((c) => (c.certificateArn = REAL.certificateArn.replace('eu-west-1', 'us-east-1')))).toMatch(/field certificateArn: the certificate must be in the stack's region eu-west-1/);
    });
    test('S3 state with no locking at all', () => {
      expect(loadError((c) => (c.stateBackend = { type: 's3', bucket: 'state-bucket', key: 'k', region: 'eu-west-1', useLockfile: false }))).toMatch(/field stateBackend\.useLockfile: state would be unlocked/);
    });
    test('an unknown (misspelt) field', () => {
      expect(loadError((c) => (c.adminCidr = [REAL.adminCidrs[0]]))).toMatch(/field \(top\): Unrecognized key: "adminCidr"/);
    });
    test('backup retention out of range', () => {
      expect(loadError((c) => (c.backupRetentionDays = 0))).toMatch(/field backupRetentionDays: /);
    });
    test('a log retention CloudWatch does not offer', () => {
      expect(loadError((c) => (c.flowLogRetentionDays = 10))).toMatch(/field flowLogRetentionDays: CloudWatch Logs keeps logs for one of 1, 3, 5/);
    });
    test('an environment name longer than 19 characters (AWS name-prefix limits), with the reason', () => {
      expect(() => parseEnvironmentConfig('a'.repeat(19), validConfigInput(), 'nineteen')).not.toThrow();
      const file = path.join(dir, 'staging-eu-central-2x.yaml');
      writeFileSync(file, stringify(validConfigInput()));
      expect(() => loadEnvironmentConfig(file)).toThrow(
        `${file}: the environment name "staging-eu-central-2x" has 21 characters, at most 19 fit: AWS caps the IAM role name prefix webtier-<name>-flow-logs- at 38 characters and the S3 bucket prefix webtier-<name>-alb-logs- at 37 (rename the file)`,
      );
    });
    test('an environment name RDS could not use in a name (webtier-<name>-database): a double or trailing dash', () => {
      for (const name of ['blue--green', 'staging-']) {
        const file = path.join(dir, `${name}.yaml`);
        writeFileSync(file, stringify(validConfigInput()));
        expect(() => loadEnvironmentConfig(file)).toThrow(`${file}: the environment name "${name}" must be lower-case letters and digits, words joined by single dashes (RDS names allow no '--' and no dash at the end)`);
      }
      expect(() => parseEnvironmentConfig('eu-west-2', validConfigInput(), 'fine')).not.toThrow();
    });
    test('not YAML', () => {
      const file = path.join(dir, 'bad.yaml');
      writeFileSync(file, 'region: eu-west-1\napp: [1, 2\n');
      expect(() => loadEnvironmentConfig(file)).toThrow(new RegExp(`^${file}: line \\d+: not valid YAML`));
    });
  });

  describe('database guard rails: each bad setting fails with the file, line and field', () => {
    const databaseError = (database: Record<string, unknown>) => loadError((c) => (c.database = database));

    test.each([
      ['engineVersion', 16, "expected a PostgreSQL version in quotes, such as '16' or '16.4'"],
      ['engineVersion', 16.1, "expected a PostgreSQL version in quotes, such as '16' or '16.4'"],
      ['engineVersion', '16.x', "expected a PostgreSQL version such as '16' or '16.4'"],
      ['engineVersion', 'postgres16', "expected a PostgreSQL version such as '16' or '16.4'"],
      ['engineVersion', '16.4.1', "expected a PostgreSQL version such as '16' or '16.4'"],
      ['instanceClass', 't4g.micro', 'expected an RDS instance class such as db.t4g.micro (they start with db.)'],
      ['allocatedStorageGiB', 10, 'Too small: expected number to be >=20'],
      ['allocatedStorageGiB', 2000, 'Too big: expected number to be <=1000'],
      ['allocatedStorageGiB', 20.5, 'Invalid input: expected int, received number'],
      ['backupRetentionDays', 0, 'Too small: expected number to be >=1'],
      ['backupRetentionDays', 36, 'Too big: expected number to be <=35'],
      ['multiAz', 'yes', 'Invalid input: expected boolean, received string'],
      ['finalSnapshot', 'no', 'Invalid input: expected boolean, received string'],
      ['name', 'Bookshelf', 'expected 1 to 63 lower-case letters, digits or underscores, starting with a letter'],
      ['name', '1shelf', 'expected 1 to 63 lower-case letters, digits or underscores, starting with a letter'],
      ['name', `b${'o'.repeat(63)}`, 'expected 1 to 63 lower-case letters, digits or underscores, starting with a letter'],
      ['name', 'postgres', 'postgres cannot be used: RDS creates a database of that name itself'],
      ['name', 'template1', "template1 cannot be used: it is one of PostgreSQL's template databases"],
      ['user', 'book-shelf', 'expected 1 to 16 lower-case letters, digits or underscores, starting with a letter'],
      ['user', 'bookshelf_app_user', 'expected 1 to 16 lower-case letters, digits or underscores, starting with a letter'],
      ['user', 'postgres', "postgres cannot be used: it is the superuser of Debian's PostgreSQL, which the lab runs: the app gets a role of its own"],
      ['user', 'rdsadmin', "rdsadmin cannot be used: it is RDS's own administrator"],
      ['user', 'admin', 'admin cannot be used: RDS for PostgreSQL refuses it as a word the engine reserves'],
      ['user', 'user', 'user cannot be used: it is an SQL reserved word'],
      ['user', 'rds_app', "rds_app cannot be used: RDS's own roles (rds_superuser ...) start with rds_"],
      ['user', 'pg_app', 'pg_app cannot be used: PostgreSQL reserves role names starting with pg_'],
    ])('database.%s %j', (field, value, message) => {
      const error = databaseError({ [field]: value });
      expect(error).toMatch(new RegExp(`line \\d+: field database\\.${field}: `));
      expect(error).toContain(`field database.${field}: ${message}`);
    });

    test('a storage autoscaling ceiling less than 10% above the allocated storage (the default 20 GiB, or the one set)', () => {
      expect(databaseError({ maxAllocatedStorageGiB: 21 })).toMatch(/line \d+: field database\.maxAllocatedStorageGiB: the storage autoscaling ceiling must be at least 10% above the allocated 20 GiB: 22 or more$/);
      expect(databaseError({ allocatedStorageGiB: 100, maxAllocatedStorageGiB: 105 })).toMatch(/field database\.maxAllocatedStorageGiB: .* above the allocated 100 GiB: 110 or more$/);
      expect(parseEnvironmentConfig('fine', { ...validConfigInput(), database: { maxAllocatedStorageGiB: 22 } }, 'fine').database).toEqual({ maxAllocatedStorageGiB: 22 });
    });

    test('an unknown (misspelt) database field', () => {
      expect(databaseError({ multiAZ: true })).toMatch(/line \d+: field database: Unrecognized key: "multiAZ"/);
    });

    test('every setting at its limit is accepted', () => {
      const database = { engineVersion: '16.4', instanceClass: 'db.r6gd.xlarge', allocatedStorageGiB: 1000, maxAllocatedStorageGiB: 1100, multiAz: false, finalSnapshot: false, backupRetentionDays: 35, performanceInsights: true, name: `b${'o'.repeat(62)}`, user: `a${'b'.repeat(15)}` };
      expect(parseEnvironmentConfig('fine', { ...validConfigInput(), database }, 'fine').database).toEqual(database);
    });
  });

  describe('loadEnvironments (what main.ts synthesizes)', () => {
    /** A directory of environments: a config object, or 'template' for the shipped file as it is. */
    const directory = (files: Record<string, object | 'template'>) => {
      const target = mkdtempSync(path.join(dir, 'set-'));
      for (const [name, content] of Object.entries(files)) {
        const text = content === 'template' ? readFileSync(path.join(REPO_ENVIRONMENTS, `${name}.yaml`), 'utf8') : stringify(content);
        writeFileSync(path.join(target, `${name}.yaml`), text);
      }
      return target;
    };

    test("every file's problems in one error; a selection loads only the named environments", () => {
      const target = directory({ staging: 'template', production: 'template', qa: validConfigInput() });
      expect(() => loadEnvironments(target)).toThrow(/production\.yaml: the template's example values[^]*\n.*staging\.yaml: the template's example values/);
      expect(loadEnvironments(target, ['qa']).map((config) => config.name)).toEqual(['qa']);
      expect(() => loadEnvironments(target, ['qa', 'prod'])).toThrow(`${target}: no environment prod (there are: production, qa, staging)`);
    });

    test('two environments sharing a state bucket are refused', () => {
      const s3 = (key: string) => ({ ...validConfigInput(), stateBackend: { type: 's3', bucket: REAL.stateBucket, key, region: 'eu-west-1' } });
      const target = directory({ blue: s3('blue.tfstate'), green: s3('green.tfstate') });
      expect(() => loadEnvironments(target)).toThrow(`${target}: environments blue and green share the state bucket ${REAL.stateBucket}: give each environment its own`);
      expect(loadEnvironments(target, ['blue']).map((config) => config.name)).toEqual(['blue']);
    });
  });
});
