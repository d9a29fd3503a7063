/**
 * One interface over the ways a host leaves and rejoins the load balancer: the ALB target group on
 * AWS, HAProxy's runtime API in the lab. lb_member decides; a driver only observes and acts.
 */

/** Who, for the load balancer: HAProxy knows the inventory name, the ALB an instance id (and port). */
export interface LbMember {
  host: string;
  targetId: string;
}

export interface MemberStatus {
  /** The load balancer sends it new traffic (registered / admin state ready). */
  enabled: boolean;
  /** Its health check passes. */
  healthy: boolean;
  /** Out of rotation with no request still in flight (deregistered / drained with 0 sessions). */
  drained: boolean;
  /** What the load balancer itself says, for messages. */
  detail: string;
}

export interface WaitOptions {
  /** Wait for the outcome (sessions gone, health passing); false returns right after the request. */
  wait: boolean;
  timeoutSeconds: number;
}

export interface LbDriver {
  readonly kind: string;
  status(member: LbMember): Promise<MemberStatus>;
  /** Stop new traffic to the member, then (wait) until requests in flight are done. */
  drain(member: LbMember, options: WaitOptions): Promise<MemberStatus>;
  /** Put the member back, then (wait) until its health check passes. */
  enable(member: LbMember, options: WaitOptions): Promise<MemberStatus>;
}

/** A member that did not reach the wanted state in time; names the member and its last state. */
export class LbTimeoutError extends Error {
  constructor(member: LbMember, wanted: string, timeoutSeconds: number, last: string) {
    super(`${member.host} (${member.targetId}) was not ${wanted} after ${timeoutSeconds}s; last state: ${last}`);
    this.name = 'LbTimeoutError';
  }
}
