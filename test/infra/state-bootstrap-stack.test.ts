import path from 'node:path';
import { bootstrapStackName, StateBootstrapStack, type S3StateBackend } from '../../stacks/state-bootstrap-stack';
import { REAL, resourcesOfType, synthesized, testConfig } from './stack-fixture';

const backend: S3StateBackend = { type: 's3', bucket: REAL.stateBucket, key: 'webtier/test.tfstate', region: 'eu-central-1', useLockfile: true };

describe('state bootstrap stack, synthesized JSON', () => {
  const stack = synthesized((app) => new StateBootstrapStack(app, testConfig(), backend));
  const one = (type: string) => {
    const found = resourcesOfType(stack, type);
    expect(found).toHaveLength(1);
    return found[0];
  };

  test("named after the environment, its own state local in state/, the provider in the bucket's region and the environment's account", () => {
    expect(bootstrapStackName('production')).toBe('webtier-production-bootstrap');
    expect(stack.json.terraform.backend).toEqual({ local: { path: path.join(__dirname, '..', '..', 'state', 'terraform.webtier-test-bootstrap.tfstate') } });
    expect(stack.json.provider.aws).toEqual([expect.objectContaining({ region: 'eu-central-1', allowed_account_ids: [REAL.accountId] })]);
  });

  test('the bucket the backend names: never destroyed by Terraform, versioned, SSE-S3, ACLs off, public access blocked', () => {
    expect(one('aws_s3_bucket')).toMatchObject({ bucket: REAL.stateBucket, lifecycle: { prevent_destroy: true } });
    expect(one('aws_s3_bucket').force_destroy).toBeUndefined();
    expect(one('aws_s3_bucket_versioning')).toMatchObject({ versioning_configuration: { status: 'Enabled' } });
    expect(one('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
    expect(one('aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    expect(one('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(JSON.stringify(one('aws_s3_bucket_lifecycle_configuration').rule)).toContain('"noncurrent_version_expiration":[{"noncurrent_days":90}]');
  });

  test('the bucket policy denies every request not made over TLS', () => {
    const [, document] = Object.entries(stack.json.data!.aws_iam_policy_document).find(([id]) => id.startsWith('policy-document'))!;
    const statements = document.statement as Array<{ effect: string; actions: string[]; resources: string[]; condition: unknown[] }>;
    expect(statements.map((s) => [s.effect, s.actions, s.condition])).toEqual([['Deny', ['s3:*'], [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]]]);
    expect(statements[0].resources).toEqual(['${aws_s3_bucket.bucket.arn}', '${aws_s3_bucket.bucket.arn}/*']);
  });

  test('S3-native locking (use_lockfile) needs no table; a backend that names a DynamoDB table gets it', () => {
    expect(resourcesOfType(stack, 'aws_dynamodb_table')).toEqual([]);
    const legacy = synthesized((app) => new StateBootstrapStack(app, testConfig(), { ...backend, useLockfile: false, dynamodbTable: 'webtier-terraform-locks' }));
    const [table] = resourcesOfType(legacy, 'aws_dynamodb_table');
    expect(table).toMatchObject({
      name: 'webtier-terraform-locks',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      server_side_encryption: { enabled: true },
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
    });
    expect(legacy.json.output.lock_table.value).toContain('aws_dynamodb_table');
  });
});
