import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';

/** TLS 1.3 and 1.2 only, forward-secret ciphers only. */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06';

/** The port the targets serve HTTP on unless told otherwise (nginx's default in roles/nginx). */
export const DEFAULT_TARGET_PORT = 80;

export interface LoadBalancerProps {
  readonly vpcId: string;
  /** Public subnets, one per zone. */
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly accessLogsBucket: string;
  readonly accessLogsPrefix: string;
  /** The bucket policy that lets the ALB write: AWS checks it when the ALB is created. */
  readonly accessLogsPolicy: ITerraformDependable;
  /** With a certificate: HTTPS on 443 and HTTP redirected to it. Without: plain HTTP on 80. */
  readonly certificateArn?: string;
  /** Port the targets serve HTTP on. Default DEFAULT_TARGET_PORT (80). */
  readonly targetPort?: number;
  /** Default true. */
  readonly deletionProtection?: boolean;
  /**
   * Seconds a draining target keeps its in-flight requests. Default 30: long enough for a request,
   * short enough for a rolling restart (the provider's default of 300 s would stall one).
   */
  readonly deregistrationDelay?: number;
}

/** An Application Load Balancer in the public subnets, its target group and listeners. */
export class LoadBalancer extends Construct {
  readonly alb: Lb;
  readonly targetGroup: LbTargetGroup;
  readonly listeners: LbListener[];
  readonly port: number;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.port = props.targetPort ?? DEFAULT_TARGET_PORT;
    this.alb = new Lb(this, 'alb', {
      // AWS allows at most 6 characters here; the Name tag carries the full name.
      namePrefix: 'web-',
      loadBalancerType: 'application',
      internal: false,
      subnets: props.subnetIds,
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: 'defensive',
      enableDeletionProtection: props.deletionProtection ?? true,
      enableHttp2: true,
      idleTimeout: 60,
      accessLogs: { bucket: props.accessLogsBucket, prefix: props.accessLogsPrefix, enabled: true },
      dependsOn: [props.accessLogsPolicy],
    });
    this.targetGroup = new LbTargetGroup(this, 'app', {
      namePrefix: 'app-',
      vpcId: props.vpcId,
      port: this.port,
      protocol: 'HTTP',
      targetType: 'instance',
      deregistrationDelay: String(props.deregistrationDelay ?? 30),
      healthCheck: { enabled: true, path: '/health', protocol: 'HTTP', matcher: '200', interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
      lifecycle: { createBeforeDestroy: true },
    });
    const forward = [{ type: 'forward', targetGroupArn: this.targetGroup.arn }];
    if (props.certificateArn) {
      this.listeners = [
        new LbListener(this, 'https', { loadBalancerArn: this.alb.arn, port: 443, protocol: 'HTTPS', sslPolicy: TLS_POLICY, certificateArn: props.certificateArn, defaultAction: forward }),
        new LbListener(this, 'http-redirect', {
          loadBalancerArn: this.alb.arn,
          port: 80,
          protocol: 'HTTP',
          defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
        }),
      ];
    } else {
      this.listeners = [new LbListener(this, 'http', { loadBalancerArn: this.alb.arn, port: 80, protocol: 'HTTP', defaultAction: forward })];
    }
  }
}
