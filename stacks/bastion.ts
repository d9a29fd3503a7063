import { Construct } from 'constructs';
import type { Instance } from '@cdktf/provider-aws/lib/instance';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { hardenedInstance } from './hardened-instance';
import { recoverAlarm } from './recover-alarm';

export interface BastionProps {
  readonly namePrefix: string;
  readonly region: string;
  /** SNS topic the recover alarm notifies. */
  readonly alarmTopicArn: string;
  readonly ami: string;
  /** Default t3.micro. */
  readonly instanceType?: string;
  /** A public subnet. */
  readonly subnetId: string;
  readonly securityGroupId: string;
  readonly keyName: string;
}

/** The one way in: a small instance in a public subnet with an Elastic IP. */
export class Bastion extends Construct {
  readonly instance: Instance;
  readonly publicIp: Eip;
  readonly recoverAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    this.instance = hardenedInstance(this, 'bastion', {
      ami: props.ami,
      instanceType: props.instanceType ?? 't3.micro',
      subnetId: props.subnetId,
      securityGroupId: props.securityGroupId,
      keyName: props.keyName,
      rootVolumeGiB: 8,
    });
    this.publicIp = new Eip(this, 'bastion-ip', { domain: 'vpc', instance: this.instance.id });
    this.recoverAlarm = recoverAlarm(this, 'recover', { namePrefix: props.namePrefix, name: 'bastion', instanceId: this.instance.id, region: props.region, alarmTopicArn: props.alarmTopicArn });
  }
}
