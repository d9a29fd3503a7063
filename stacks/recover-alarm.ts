import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

export interface RecoverAlarmProps {
  readonly namePrefix: string;
  /** The host's inventory name (bastion, app-1 ...). */
  readonly name: string;
  readonly instanceId: string;
  readonly region: string;
  readonly alarmTopicArn: string;
}

/**
 * Self-healing without an auto scaling group: when the system status check fails (the hardware
 * under the instance), EC2's recover action moves it to healthy hardware keeping its id, private
 * IP, Elastic IP and volumes — so the inventory stays valid.
 */
export function recoverAlarm(scope: Construct, id: string, props: RecoverAlarmProps): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: `${props.namePrefix}-${props.name}-system-status-recover`,
    alarmDescription: `Recover ${props.name} onto healthy hardware when the system status check fails`,
    namespace: 'AWS/EC2',
    metricName: 'StatusCheckFailed_System',
    dimensions: { InstanceId: props.instanceId },
    statistic: 'Maximum',
    period: 60,
    evaluationPeriods: 2,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'missing',
    alarmActions: [`arn:aws:automate:${props.region}:ec2:recover`, props.alarmTopicArn],
  });
}
