import { Construct } from 'constructs';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

export interface MonitoringProps {
  readonly namePrefix: string;
  /** Subscribed to the alarm topic when set (AWS sends a confirmation mail first). */
  readonly alarmEmail?: string;
  /** `arn_suffix` of the load balancer and of the target group (the CloudWatch dimensions). */
  readonly loadBalancerArnSuffix: string;
  readonly targetGroupArnSuffix: string;
  /** Percent of requests answered 5xx by the targets that raises the alarm. Default 5. */
  readonly target5xxPercent?: number;
}

/**
 * The alarm topic and the fleet-wide alarms on the target group: unhealthy targets, and the
 * targets' 5xx rate. Per-instance alarms (CPU, recover) live with each AppInstance.
 */
export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly unhealthyHosts: CloudwatchMetricAlarm;
  readonly target5xxRate: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // Not encrypted with the AWS-managed SNS key: its key policy does not let CloudWatch publish,
    // so every alarm notification would be dropped. Alarm texts carry no secrets.
    this.topic = new SnsTopic(this, 'alarms', { name: `${props.namePrefix}-alarms` });
    if (props.alarmEmail) new SnsTopicSubscription(this, 'alarm-email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.alarmEmail });

    const dimensions = { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix };
    const notify = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
    this.unhealthyHosts = new CloudwatchMetricAlarm(this, 'unhealthy-hosts', {
      ...notify,
      alarmName: `${props.namePrefix}-unhealthy-hosts`,
      alarmDescription: 'At least one app instance fails the /health check',
      namespace: 'AWS/ApplicationELB',
      metricName: 'UnHealthyHostCount',
      dimensions,
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });
    const percent = props.target5xxPercent ?? 5;
    this.target5xxRate = new CloudwatchMetricAlarm(this, 'target-5xx-rate', {
      ...notify,
      alarmName: `${props.namePrefix}-target-5xx-rate`,
      alarmDescription: `More than ${percent}% of requests answered 5xx by the app instances`,
      evaluationPeriods: 3,
      threshold: percent,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      metricQuery: [
        { id: 'rate', label: 'Target 5xx (%)', expression: '100 * errors / MAX([requests, 1])', returnData: true },
        ...(['errors', 'requests'] as const).map((queryId) => ({
          id: queryId,
          metric: { namespace: 'AWS/ApplicationELB', metricName: queryId === 'errors' ? 'HTTPCode_Target_5XX_Count' : 'RequestCount', dimensions, stat: 'Sum', period: 60 },
        })),
      ],
    });
  }
}
