import { Construct } from 'constructs';
import type { Instance } from '@cdktf/provider-aws/lib/instance';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { hardenedInstance, type HardenedInstanceProps } from './hardened-instance';
import { recoverAlarm } from './recover-alarm';

export interface LogCollectorProps extends Omit<HardenedInstanceProps, 'nameTag' | 'instanceType' | 'rootVolumeGiB'> {
  readonly namePrefix: string;
  readonly region: string;
  /** Default t3.micro: rsyslog receiving a few hosts' logs needs little. */
  readonly instanceType?: string;
  /** A private subnet's zone; known at plan time, unlike the instance's computed attribute. */
  readonly availabilityZone: string;
  /** Default 20: every host's logs are kept under /var/log/remote. */
  readonly rootVolumeGiB?: number;
  /** SNS topic the recover alarm notifies. */
  readonly alarmTopicArn: string;
}

/**
 * The log collector: the inventory's `logs` host, which roles/rsyslog configures to receive the
 * other hosts' syslog over TLS. A private instance whose recover alarm keeps its private IP, the
 * address the forwarders send to.
 */
export class LogCollector extends Construct {
  /** Its inventory name: also the name its TLS certificate carries (roles/rsyslog). */
  readonly name = 'logs';
  readonly instance: Instance;
  readonly recoverAlarm: CloudwatchMetricAlarm;
  readonly availabilityZone: string;

  constructor(scope: Construct, id: string, props: LogCollectorProps) {
    super(scope, id);
    this.availabilityZone = props.availabilityZone;
    this.instance = hardenedInstance(this, 'instance', {
      ...props,
      instanceType: props.instanceType ?? 't3.micro',
      rootVolumeGiB: props.rootVolumeGiB ?? 20,
      nameTag: `${props.namePrefix}-${this.name}`,
    });
    this.recoverAlarm = recoverAlarm(this, 'recover', { namePrefix: props.namePrefix, name: this.name, instanceId: this.instance.id, region: props.region, alarmTopicArn: props.alarmTopicArn });
  }
}
