import { loadBalancerOutput } from '../../inventory/stack-outputs';
import { AlbDriver } from './alb';
import type { LbDriver } from './driver';
import { HaproxyDriver } from './haproxy';

export type { LbDriver, LbMember, MemberStatus, WaitOptions } from './driver';

/** The driver the inventory's `lb` variable names (the stack outputs' `load_balancer`, validated by the same schema). */
export function driverFor(lb: unknown): LbDriver {
  const parsed = loadBalancerOutput.safeParse(lb);
  if (!parsed.success) {
    throw new Error(`the inventory variable lb is not a load balancer (${parsed.error.issues.map((i) => `${i.path.join('.') || 'lb'}: ${i.message}`).join('; ')})`);
  }
  return parsed.data.driver === 'alb' ? new AlbDriver(parsed.data) : new HaproxyDriver(parsed.data);
}
