import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import type { DataAwsIamPolicyDocumentStatementPrincipals } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { policyDocument } from './iam-policy';
import { denyInsecureTransport, makePrivate } from './private-bucket';

/**
 * Regions opened before August 2022, where ALBs deliver access logs as a regional ELB account:
 * exactly the regions of the provider's aws_elb_service_account table (hashicorp/aws 5.100.0),
 * which fails with "unsupported AWS Region" anywhere else. Every other region delivers as the
 * log-delivery service principal.
 */
const ELB_ACCOUNT_REGIONS = new Set([
  'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ca-central-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'me-south-1',
  'sa-east-1', 'us-east-1', 'us-east-2', 'us-gov-east-1', 'us-gov-west-1', 'us-west-1', 'us-west-2',
]);

export const LOG_DELIVERY_SERVICE = 'logdelivery.elasticloadbalancing.amazonaws.com';

export function deliversAsElbAccount(region: string): boolean {
  return ELB_ACCOUNT_REGIONS.has(region);
}

export interface AlbLogsBucketProps {
  readonly namePrefix: string;
  /** The load balancer's region: it decides who delivers the logs. */
  readonly region: string;
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
    const publicAccess = makePrivate(this, this.bucket);
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [{ id: 'expire-access-logs', status: 'Enabled', filter: [{ prefix: `${this.prefix}/` }], expiration: [{ days: props.retentionDays ?? 90 }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }],
    });

    const writer: DataAwsIamPolicyDocumentStatementPrincipals = deliversAsElbAccount(props.region)
      ? { type: 'AWS', identifiers: [new DataAwsElbServiceAccount(this, 'elb-account', {}).arn] }
      : { type: 'Service', identifiers: [LOG_DELIVERY_SERVICE] };
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      dependsOn: [publicAccess],
      policy: policyDocument(this, 'policy-document', [
        { sid: 'LoadBalancingWritesLogs', actions: ['s3:PutObject'], resources: [`${this.bucket.arn}/${this.prefix}/AWSLogs/*`], principals: [writer] },
        denyInsecureTransport(this.bucket),
      ]),
    });
  }
}
