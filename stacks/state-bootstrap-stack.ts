import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { EnvironmentConfig } from './environment-config';
import { policyDocument } from './iam-policy';
import { denyInsecureTransport, makePrivate } from './private-bucket';
import { configureStateBackend } from './state-backend';
import { tagRole } from './role-tags';
import { PROJECT, stackName } from './web-tier-stack';

export type S3StateBackend = Extract<EnvironmentConfig['stateBackend'], { type: 's3' }>;

/** The bootstrap stack's name for an environment: webtier-production-bootstrap. */
export function bootstrapStackName(environment: string): string {
  return `${stackName(environment)}-bootstrap`;
}

/**
 * What an environment's S3 state backend needs before its first `cdktf deploy`: the state bucket
 * (versioned, so a bad write can be rolled back; encrypted; private; TLS only) and, only
 * when the backend names one, the DynamoDB lock table. Its own state is local (state/): it cannot
 * keep its state in the bucket it creates.
 */
export class StateBootstrapStack extends TerraformStack {
  readonly bucket: S3Bucket;
  readonly lockTable?: DynamodbTable;

  constructor(scope: Construct, config: EnvironmentConfig, backend: S3StateBackend) {
    const name = bootstrapStackName(config.name);
    super(scope, name);
    configureStateBackend(this, { type: 'local' }, name);
    new AwsProvider(this, 'aws', {
      region: backend.region,
      allowedAccountIds: config.allowedAccountIds,
      defaultTags: [{ tags: { Project: PROJECT, Environment: config.name, ManagedBy: 'cdktf' } }],
    });

    // Deleting the bucket loses every state it holds: Terraform refuses to plan that.
    this.bucket = new S3Bucket(this, 'bucket', { bucket: backend.bucket, lifecycle: { preventDestroy: true }, tags: { Name: backend.bucket } });
    new S3BucketVersioningA(this, 'versioning', { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } });
    const publicAccess = makePrivate(this, this.bucket);
    // Every write (and every lock file) leaves a noncurrent version: keep 90 days of history, not forever.
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-old-state-versions',
          status: 'Enabled',
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: 90 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      dependsOn: [publicAccess],
      policy: policyDocument(this, 'policy-document', [denyInsecureTransport(this.bucket)]),
    });

    if (backend.dynamodbTable) {
      this.lockTable = new DynamodbTable(this, 'lock-table', {
        name: backend.dynamodbTable,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'LockID',
        attribute: [{ name: 'LockID', type: 'S' }],
        serverSideEncryption: { enabled: true },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      });
    }
    tagRole(this, 'terraform-state', stackName(config.name));

    new TerraformOutput(this, 'state_bucket', { value: this.bucket.bucket, staticId: true });
    if (this.lockTable) new TerraformOutput(this, 'lock_table', { value: this.lockTable.name, staticId: true });
  }
}
