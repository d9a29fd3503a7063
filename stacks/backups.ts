import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { DlmLifecyclePolicy } from '@cdktf/provider-aws/lib/dlm-lifecycle-policy';
import { assumeRolePolicy } from './iam-policy';

export interface BackupsProps {
  readonly namePrefix: string;
  /** Volumes carrying all of these tags are snapshotted. */
  readonly targetTags: Record<string, string>;
  /** Snapshots kept per volume. Default 7. */
  readonly retentionDays?: number;
  /** UTC time of the daily snapshot, HH:MM. Default 03:00. */
  readonly time?: string;
}

/** Daily EBS snapshots of the tagged volumes by Data Lifecycle Manager, kept for N days. */
export class Backups extends Construct {
  readonly policy: DlmLifecyclePolicy;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);
    const role = new IamRole(this, 'dlm-role', { namePrefix: `${props.namePrefix}-dlm-`, assumeRolePolicy: assumeRolePolicy(this, 'dlm-trust', 'dlm.amazonaws.com') });
    new IamRolePolicyAttachment(this, 'dlm-permissions', { role: role.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole' });
    const retention = props.retentionDays ?? 7;
    this.policy = new DlmLifecyclePolicy(this, 'daily-snapshots', {
      // DLM accepts only letters, digits, spaces, dashes and underscores in these two fields.
      description: `${props.namePrefix} daily EBS snapshots keep ${retention}`,
      executionRoleArn: role.arn,
      state: 'ENABLED',
      policyDetails: {
        policyType: 'EBS_SNAPSHOT_MANAGEMENT',
        resourceTypes: ['VOLUME'],
        targetTags: props.targetTags,
        schedule: [
          {
            name: `daily keep ${retention}`,
            copyTags: true,
            createRule: { interval: 24, intervalUnit: 'HOURS', times: [props.time ?? '03:00'] },
            retainRule: { count: retention },
          },
        ],
      },
    });
  }
}
