import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import { driverFor, type LbDriver, type LbMember } from './lb';

const args = z
  .object({
    /** drained (= absent): out of rotation, requests in flight finished; enabled (= present): in rotation and healthy. */
    state: z.enum(['drained', 'enabled', 'absent', 'present']),
    /** The inventory host to act on; defaults to the task's host (also under delegate_to: localhost). */
    host: z.string().min(1).optional(),
    /** The load balancer's id for it: the EC2 instance id (ALB; default the host's `instance_id`), the server name (HAProxy; default the host name). */
    target: z.string().min(1).optional(),
    wait: z.boolean().default(true),
    /** Seconds to wait for draining or health. */
    timeout: z.number().int().positive().default(300),
    /** Overrides the inventory variable `lb` ({driver: alb|haproxy, ...}). */
    lb: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

type LbMemberArgs = z.infer<typeof args>;

function memberFor(a: LbMemberArgs, ctx: ModuleContext, driver: LbDriver): LbMember {
  const host = a.host ?? ctx.host;
  if (a.target !== undefined) return { host, targetId: a.target };
  if (driver.kind !== 'alb') return { host, targetId: host };
  const instanceId = ctx.vars.instance_id;
  if (typeof instanceId !== 'string') throw new ModuleFailure(`lb_member: ${host} has no instance_id variable (the ALB target id); set target`);
  return { host, targetId: instanceId };
}

/** Takes a host out of the load balancer (waiting for requests in flight) or puts it back (waiting for health). */
export const lb_member: ModuleDefinition<LbMemberArgs> = {
  name: 'lb_member',
  args,
  // The load balancer is reached from the controller (AWS API, HAProxy's admin address), never from the host.
  async run(a, ctx): Promise<ModuleResult> {
    const lb = a.lb ?? ctx.vars.lb;
    if (lb === undefined) throw new ModuleFailure('lb_member needs the inventory variable lb (or the lb argument)');
    let driver: LbDriver;
    try {
      driver = driverFor(lb);
    } catch (err) {
      throw new ModuleFailure((err as Error).message);
    }
    const member = memberFor(a, ctx, driver);
    const drain = a.state === 'drained' || a.state === 'absent';
    const options = { wait: a.wait, timeoutSeconds: a.timeout };
    try {
      const before = await driver.status(member);
      // Changed means the load balancer's membership changed; waiting for a state already asked for is not a change.
      const changed = drain ? before.enabled : !before.enabled;
      const base = { lb: driver.kind, host: member.host, target: member.targetId };
      if (ctx.check) return { changed, ...base, status: before.detail };
      const after = drain ? await driver.drain(member, options) : await driver.enable(member, options);
      return { changed, ...base, status: after.detail };
    } catch (err) {
      if (err instanceof ModuleFailure) throw err;
      throw new ModuleFailure(`lb_member ${a.state} ${member.host} on ${driver.kind}: ${(err as Error).message}`);
    }
  },
};
