import { Construct } from 'constructs';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';

export interface DnsProps {
  /** The hosted zone's id, given in config so synth and plan need no lookup. */
  readonly zoneId: string;
  readonly recordName: string;
  readonly loadBalancerDnsName: string;
  readonly loadBalancerZoneId: string;
}

/** An alias record (A) for the load balancer: free queries, follows the ALB's addresses. */
export class Dns extends Construct {
  readonly record: Route53Record;

  constructor(scope: Construct, id: string, props: DnsProps) {
    super(scope, id);
    this.record = new Route53Record(this, 'alias', {
      zoneId: props.zoneId,
      name: props.recordName,
      type: 'A',
      alias: { name: props.loadBalancerDnsName, zoneId: props.loadBalancerZoneId, evaluateTargetHealth: true },
    });
  }
}
