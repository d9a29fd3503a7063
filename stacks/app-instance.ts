import { Construct } from 'constructs';
import type { Instance } from '@cdktf/provider-aws/lib/instance';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { hardenedInstance, type HardenedInstanceProps } from './hardened-instance';
import { recoverAlarm } from './recover-alarm';

export interface AppInstanceProps extends Omit<HardenedInstanceProps, 'nameTag'> {
  /** Inventory name, e.g. app-1; also the construct id, so resource addresses never shift. */
  readonly name: string;
  /** Prefix for names that are unique per account and region, e.g. webtier-staging. */
  readonly namePrefix: string;
  readonly region: string;
  /** The subnet's zone; known at plan time, unlike the instance's computed attribute. */
  readonly availabilityZone: string;
  readonly targetGroupArn: string;
  readonly targetPort: number;
  /**
   * Whether the instance is registered in the target group. False for a new instance until `play
   * site` has configured it: registered earlier, it fails the health check and raises the
   * unhealthy-hosts alarm.
   */
  readonly inService: boolean;
  /** SNS topic every alarm notifies. */
  readonly alarmTopicArn: string;
  /** Average CPU (percent) over 10 minutes that raises the alarm. Default 80. */
  readonly cpuAlarmPercent?: number;
}

/**
 * One app instance and everything that exists once per instance — the whole cost of scaling by
 * one: the instance, its target-group attachment (once in service), its recover alarm and its CPU alarm.
 */
export class AppInstance extends Construct {
  readonly instance: Instance;
  readonly attachment?: LbTargetGroupAttachment;
  readonly recoverAlarm: CloudwatchMetricAlarm;
  readonly cpuAlarm: CloudwatchMetricAlarm;
  readonly name: string;
  readonly availabilityZone: string;

  constructor(scope: Construct, id: string, props: AppInstanceProps) {
    super(scope, id);
    this.name = props.name;
    this.availabilityZone = props.availabilityZone;
    this.instance = hardenedInstance(this, 'instance', { ...props, nameTag: `${props.namePrefix}-${props.name}` });
    if (props.inService) {
      this.attachment = new LbTargetGroupAttachment(this, 'attachment', { targetGroupArn: props.targetGroupArn, targetId: this.instance.id, port: props.targetPort });
    }
    this.recoverAlarm = recoverAlarm(this, 'recover', { namePrefix: props.namePrefix, name: props.name, instanceId: this.instance.id, region: props.region, alarmTopicArn: props.alarmTopicArn });
    const cpuAlarmPercent = props.cpuAlarmPercent ?? 80;
    this.cpuAlarm = new CloudwatchMetricAlarm(this, 'cpu', {
      namespace: 'AWS/EC2',
      dimensions: { InstanceId: this.instance.id },
      treatMissingData: 'missing',
      alarmName: `${props.namePrefix}-${props.name}-cpu-high`,
      alarmDescription: `${props.name}: CPU above ${cpuAlarmPercent}% for 10 minutes`,
      metricName: 'CPUUtilization',
      statistic: 'Average',
      period: 300,
      evaluationPeriods: 2,
      threshold: cpuAlarmPercent,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });
  }
}
