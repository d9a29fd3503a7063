import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import { policyDocument } from './iam-policy';

export interface AlbLogsBucketProps {
  readonly namePrefix: string;
  /** Days access logs are kept. Default 90. */
  readonly retentionDays?: number;
  /** Key prefix the load balancer writes under. Default `alb`. */
  readonly prefix?: string;
  /** Allow `terraform destroy` to delete a bucket that still holds logs. Default false. */
  readonly forceDestroy?: boolean;
}

/**
 * Where the ALB writes its access logs: private, encrypted with SSE-S3 (the only encryption ALB
 * log delivery supports), expiring, writable only by the load-balancing service, TLS only.
 */
export class AlbLogsBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly prefix: string;
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AlbLogsBucketProps) {
    super(scope, id);
    this.prefix = props.prefix ?? 'alb';
    this.bucket = new S3Bucket(this, 'bucket', { bucketPrefix: `${props.namePrefix}-alb-logs-`, forceDestroy: props.forceDestroy ?? false });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [{ id: 'expire-access-logs', status: 'Enabled', filter: [{ prefix: `${this.prefix}/` }], expiration: [{ days: props.retentionDays ?? 90 }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }],
    });

    // Regions older than August 2022 deliver as the region's ELB account; newer ones as the log-delivery service.
    const elbAccount = new DataAwsElbServiceAccount(this, 'elb-account', {});
    const logObjects = `${this.bucket.arn}/${this.prefix}/AWSLogs/*`;
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      dependsOn: [publicAccess],
      policy: policyDocument(this, 'policy-document', [
        { sid: 'ElbAccountWritesLogs', actions: ['s3:PutObject'], resources: [logObjects], principals: [{ type: 'AWS', identifiers: [elbAccount.arn] }] },
        { sid: 'LogDeliveryWritesLogs', actions: ['s3:PutObject'], resources: [logObjects], principals: [{ type: 'Service', identifiers: ['logdelivery.elasticloadbalancing.amazonaws.com'] }] },
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ]),
    });
  }
}
