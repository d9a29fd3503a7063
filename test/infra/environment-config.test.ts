import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { EnvironmentConfigError, loadEnvironmentConfig } from '../../stacks/environment-config';
import { validConfigInput } from './stack-fixture';

const repoEnvironments = path.join(__dirname, '..', '..', 'environments');

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

  test.each(readdirSync(repoEnvironments).filter((f) => f.endsWith('.yaml')))('the committed %s is valid', (file) => {
    const config = loadEnvironmentConfig(path.join(repoEnvironments, file));
    expect(config.name).toBe(path.basename(file, '.yaml'));
  });

  test('the valid fixture loads, with defaults filled in', () => {
    const file = path.join(dir, 'fine.yaml');
    writeFileSync(file, stringify(validConfigInput()));
    const config = loadEnvironmentConfig(file);
    expect(config).toMatchObject({ name: 'fine', natGateways: 'single', backupRetentionDays: 7, sshUser: 'admin', stateBackend: { type: 'local' } });
  });

  describe('guard rails: each bad config fails with the file, line and field', () => {
    test('admin CIDR 0.0.0.0/0 is refused', () => {
      expect(loadError((c) => (c.adminCidrs = ['203.0.113.0/24', '0.0.0.0/0']))).toMatch(/line \d+: field adminCidrs\[1\]: 0\.0\.0\.0\/0 opens SSH to the whole internet; set allowSshFromAnywhere/);
    });
    test('...unless explicitly forced', () => {
      const file = path.join(dir, 'forced.yaml');
      writeFileSync(file, stringify({ ...validConfigInput(), adminCidrs: ['0.0.0.0/0'], allowSshFromAnywhere: true }));
      expect(loadEnvironmentConfig(file).adminCidrs).toEqual(['0.0.0.0/0']);
    });
    test('fewer than 2 availability zones', () => {
      expect(loadError((c) => (c.availabilityZones = ['eu-west-1a']))).toMatch(/line 3: field availabilityZones: at least 2 availability zones/);
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
    test('VPC CIDR too small for the subnet layout', () => {
      expect(loadError((c) => (c.vpcCidr = '10.0.0.0/26'))).toMatch(/field vpcCidr: the VPC CIDR prefix must be between \/16 and \/24/);
    });
    test('malformed admin CIDR', () => {
      expect(loadError((c) => (c.adminCidrs = ['203.0.113.0']))).toMatch(/field adminCidrs\[0\]: expected an IPv4 CIDR/);
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
      expect(loadError((c) => (c.ami = 'debian-12'))).toMatch(/field ami: expected an AMI id/);
    });
    test('certificate from another region', () => {
      expect(loadError((c) => (c.certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0b6e1c52-8f0a-4f0e-9d3c-2a7e5c1d9f00'))).toMatch(/field certificateArn: the certificate must be in the stack's region eu-west-1/);
    });
    test('S3 state with no locking at all', () => {
      expect(loadError((c) => (c.stateBackend = { type: 's3', bucket: 'state-bucket', key: 'k', region: 'eu-west-1', useLockfile: false }))).toMatch(/field stateBackend\.useLockfile: state would be unlocked/);
    });
    test('an unknown (misspelt) field', () => {
      expect(loadError((c) => (c.adminCidr = ['203.0.113.0/24']))).toMatch(/field \(top\): Unrecognized key: "adminCidr"/);
    });
    test('backup retention out of range', () => {
      expect(loadError((c) => (c.backupRetentionDays = 0))).toMatch(/field backupRetentionDays: /);
    });
    test('a log retention CloudWatch does not offer', () => {
      expect(loadError((c) => (c.flowLogRetentionDays = 10))).toMatch(/field flowLogRetentionDays: CloudWatch Logs keeps logs for one of 1, 3, 5/);
    });
    test('not YAML', () => {
      const file = path.join(dir, 'bad.yaml');
      writeFileSync(file, 'region: eu-west-1\napp: [1, 2\n');
      expect(() => loadEnvironmentConfig(file)).toThrow(new RegExp(`^${file}: line \\d+: not valid YAML`));
    });
  });
});
