import { loadBalancerOutput } from '../../contract/stack-outputs';
import type { LbDriver } from './driver';
import { HaproxyDriver } from './haproxy';

export type { LbDriver, LbMember, MemberStatus, WaitOptions } from './driver';

/**
 * The driver the inventory's `lb` variable names (the stack outputs' `load_balancer`, validated by the same schema).
 * The ALB driver is required only when used: the AWS SDK costs ~0.2 s at start-up on every `play` run otherwise.
 */
export function driverFor(lb: unknown): LbDriver {
  const parsed = loadBalancerOutput.safeParse(lb);
  if (!parsed.success) {
    throw new Error(`the inventory variable lb is not a load balancer (${parsed.error.issues.map((i) => `${i.path.join('.') || 'lb'}: ${i.message}`).join('; ')})`);
  }
  if (parsed.data.driver === 'haproxy') return new HaproxyDriver(parsed.data);
  const { AlbDriver } = require('./alb') as typeof import('./alb');
  return new AlbDriver(parsed.data);
}
