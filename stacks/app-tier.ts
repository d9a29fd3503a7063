import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { AppInstance } from './app-instance';
import { assumeRolePolicy, policyDocument } from './iam-policy';

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
  /** Instances kept out of the target group (by name, e.g. app-3). Default none. */
  readonly outOfService?: string[];
  readonly alarmTopicArn: string;
  /** Default 16. */
  readonly rootVolumeGiB?: number;
  /** Tags on every instance's root volume, for the backup policy. */
  readonly volumeTags: Record<string, string>;
  /** Secrets Manager secrets the instances may read (at least one): the database credential. */
  readonly readableSecretArns: string[];
}

/**
 * The app instances in the private subnets, and their one AWS permission: reading the secrets
 * they are given (the database credential), through an instance profile they share. Nothing else:
 * the controller drains them from the load balancer with its own credentials.
 */
export class AppTier extends Construct {
  readonly instances: AppInstance[];
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: AppTierProps) {
    super(scope, id);
    this.role = new IamRole(this, 'app-role', { namePrefix: `${props.namePrefix}-app-`, assumeRolePolicy: assumeRolePolicy(this, 'app-trust', 'ec2.amazonaws.com') });
    new IamRolePolicy(this, 'app-read-secrets', {
      role: this.role.id,
      policy: policyDocument(this, 'app-read-secrets-policy', [{ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: props.readableSecretArns }]),
    });
    this.instanceProfile = new IamInstanceProfile(this, 'app-instance-profile', { namePrefix: `${props.namePrefix}-app-`, role: this.role.name });
    const outOfService = new Set(props.outOfService ?? []);
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
        iamInstanceProfile: this.instanceProfile.name,
        rootVolumeGiB: props.rootVolumeGiB ?? 16,
        volumeTags: props.volumeTags,
        targetGroupArn: props.targetGroupArn,
        targetPort: props.targetPort,
        inService: !outOfService.has(name),
        alarmTopicArn: props.alarmTopicArn,
      });
    });
  }
}
