import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { assumeRolePolicy, policyDocument } from './iam-policy';
import { AppInstance } from './app-instance';

export interface AppTierProps {
  readonly namePrefix: string;
  readonly region: string;
  /** How many instances: app-1 .. app-N. */
  readonly count: number;
  readonly ami: string;
  /** Default t3.small. */
  readonly instanceType?: string;
  /** Private subnets; instance i goes to subnet (i-1) mod zones, so they spread round-robin. */
  readonly subnets: Array<{ id: string; availabilityZone: string }>;
  readonly securityGroupId: string;
  readonly keyName: string;
  readonly targetGroupArn: string;
  readonly targetPort: number;
  readonly alarmTopicArn: string;
  /** Default 16. */
  readonly rootVolumeGiB?: number;
  /** Tags on every instance's root volume, for the backup policy. */
  readonly volumeTags: Record<string, string>;
  /** Days the app's CloudWatch log group keeps logs. Default 30. */
  readonly logRetentionDays?: number;
}

/**
 * The app instances in the private subnets and the least-privilege role they share: they may
 * write to their own log group, nothing else.
 */
export class AppTier extends Construct {
  readonly instances: AppInstance[];
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: AppTierProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, 'logs', { name: `/${props.namePrefix}/app`, retentionInDays: props.logRetentionDays ?? 30 });
    this.role = new IamRole(this, 'role', { namePrefix: `${props.namePrefix}-app-`, assumeRolePolicy: assumeRolePolicy(this, 'trust', 'ec2.amazonaws.com') });
    new IamRolePolicy(this, 'write-logs', {
      role: this.role.id,
      policy: policyDocument(this, 'write-logs-policy', [
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [`${this.logGroup.arn}:*`] },
      ]),
    });
    const profile = new IamInstanceProfile(this, 'profile', { namePrefix: `${props.namePrefix}-app-`, role: this.role.name });

    this.instances = Array.from({ length: props.count }, (_, i) => {
      const name = `app-${i + 1}`;
      const subnet = props.subnets[i % props.subnets.length];
      return new AppInstance(this, name, {
        name,
        namePrefix: props.namePrefix,
        region: props.region,
        ami: props.ami,
        instanceType: props.instanceType ?? 't3.small',
        subnetId: subnet.id,
        availabilityZone: subnet.availabilityZone,
        securityGroupId: props.securityGroupId,
        keyName: props.keyName,
        instanceProfile: profile.name,
        rootVolumeGiB: props.rootVolumeGiB ?? 16,
        volumeTags: props.volumeTags,
        targetGroupArn: props.targetGroupArn,
        targetPort: props.targetPort,
        alarmTopicArn: props.alarmTopicArn,
      });
    });
  }
}
