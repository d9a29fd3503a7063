import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  waitUntilTargetDeregistered,
  waitUntilTargetInService,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { LbTimeoutError, type LbDriver, type LbMember, type MemberStatus, type WaitOptions } from './driver';

export interface AlbSettings {
  region: string;
  target_group_arn: string;
  port: number;
}

/**
 * The ALB target group. Deregistering starts the group's deregistration delay (connection draining);
 * the SDK's own waiters poll DescribeTargetHealth until the target is gone or in service.
 */
export class AlbDriver implements LbDriver {
  readonly kind = 'alb';

  constructor(
    private readonly settings: AlbSettings,
    private readonly client: ElasticLoadBalancingV2Client = new ElasticLoadBalancingV2Client({ region: settings.region }),
    /** Seconds between polls (the waiters back off from here); tests make it small. */
    private readonly pollSeconds = 5,
  ) {}

  private target(member: LbMember): TargetDescription {
    return { Id: member.targetId, Port: this.settings.port };
  }

  async status(member: LbMember): Promise<MemberStatus> {
    const out = await this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: this.settings.target_group_arn, Targets: [this.target(member)] }));
    const health = out.TargetHealthDescriptions?.[0]?.TargetHealth;
    const state = health?.State ?? 'unused';
    const notRegistered = state === 'unused' && (health?.Reason ?? 'Target.NotRegistered') === 'Target.NotRegistered';
    return {
      enabled: !notRegistered && state !== 'draining',
      healthy: state === 'healthy',
      drained: notRegistered,
      detail: [state, health?.Reason].filter(Boolean).join(' '),
    };
  }

  /** The SDK's waiters reject on timeout or on a failure state; either way the member did not get there. */
  private async waitFor(member: LbMember, wanted: string, options: WaitOptions, waiter: () => Promise<unknown>): Promise<MemberStatus> {
    if (options.wait) {
      try {
        await waiter();
      } catch (err) {
        const last = (await this.status(member)).detail;
        throw new LbTimeoutError(member, wanted, options.timeoutSeconds, `${last} (${(err as Error).name})`);
      }
    }
    return this.status(member);
  }

  private waiterConfig(options: WaitOptions) {
    return { client: this.client, maxWaitTime: options.timeoutSeconds, minDelay: this.pollSeconds, maxDelay: Math.max(this.pollSeconds, 15) };
  }

  async drain(member: LbMember, options: WaitOptions): Promise<MemberStatus> {
    const input = { TargetGroupArn: this.settings.target_group_arn, Targets: [this.target(member)] };
    await this.client.send(new DeregisterTargetsCommand(input));
    return this.waitFor(member, 'deregistered', options, () => waitUntilTargetDeregistered(this.waiterConfig(options), input));
  }

  async enable(member: LbMember, options: WaitOptions): Promise<MemberStatus> {
    const input = { TargetGroupArn: this.settings.target_group_arn, Targets: [this.target(member)] };
    await this.client.send(new RegisterTargetsCommand(input));
    return this.waitFor(member, 'healthy', options, () => waitUntilTargetInService(this.waiterConfig(options), input));
  }
}
