import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type DescribeTargetHealthCommandOutput,
  type TargetHealthStateEnum,
  type TargetHealthReasonEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { AlbDriver } from '../../src/modules/lb/alb';
import { lb_member } from '../../src/modules/lb_member';
import { LocalConnection } from '../../src/transport';
import { makeContext, runModule } from './context';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app/0123456789abcdef';
const lb = { driver: 'alb', region: 'eu-west-1', target_group_arn: ARN, port: 80 };
const elb = mockClient(ElasticLoadBalancingV2Client);
const member = { host: 'app-1', targetId: 'i-0abc' };

function health(State: TargetHealthStateEnum, Reason?: TargetHealthReasonEnum): DescribeTargetHealthCommandOutput {
  return {
    $metadata: {}, TargetHealthDescriptions: [{ Target: { Id: 'i-0abc', Port: 80 }, TargetHealth: { State, ...(Reason ? { Reason } : {}) } }] };
}

beforeEach(() => elb.reset());

describe('ALB driver (SDK mock client)', () => {
  it('reads target health into enabled/healthy/drained', async () => {
    const driver = new AlbDriver(lb, new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }));
    elb.on(DescribeTargetHealthCommand).resolvesOnce(health('healthy')).resolvesOnce(health('draining', 'Target.DeregistrationInProgress')).resolvesOnce(health('unused', 'Target.NotRegistered'));
    expect(await driver.status(member)).toMatchObject({ enabled: true, healthy: true, drained: false });
    expect(await driver.status(member)).toMatchObject({ enabled: false, drained: false, detail: 'draining Target.DeregistrationInProgress' });
    expect(await driver.status(member)).toMatchObject({ enabled: false, drained: true });
    expect(elb.commandCalls(DescribeTargetHealthCommand)[0].args[0].input).toEqual({ TargetGroupArn: ARN, Targets: [{ Id: 'i-0abc', Port: 80 }] });
  });

  it('drain deregisters, then the waiter polls until the target is gone', async () => {
    const driver = new AlbDriver(lb, new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }), 1);
    elb.on(DeregisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand)
      .resolvesOnce(health('draining', 'Target.DeregistrationInProgress'))
      .resolves(health('unused', 'Target.NotRegistered'));
    const status = await driver.drain(member, { wait: true, timeoutSeconds: 30 });
    expect(status.drained).toBe(true);
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(1);
    expect(elb.commandCalls(DescribeTargetHealthCommand).length).toBeGreaterThanOrEqual(2);
  });

  it('enable registers, waits for healthy, and times out with the last state', async () => {
    const driver = new AlbDriver(lb, new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }), 1);
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolvesOnce(health('initial', 'Elb.RegistrationInProgress')).resolves(health('healthy'));
    expect((await driver.enable(member, { wait: true, timeoutSeconds: 30 })).healthy).toBe(true);
    expect(elb.commandCalls(RegisterTargetsCommand)[0].args[0].input).toEqual({ TargetGroupArn: ARN, Targets: [{ Id: 'i-0abc', Port: 80 }] });

    elb.reset();
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolves(health('unhealthy', 'Target.FailedHealthChecks'));
    await expect(driver.enable(member, { wait: true, timeoutSeconds: 2 })).rejects.toThrow(/app-1 \(i-0abc\) was not healthy after 2s; last state: unhealthy Target.FailedHealthChecks/);
  });
});

describe('lb_member with the ALB driver', () => {
  const ctx = (check = false) => makeContext(new LocalConnection({ host: 'app-1' }), { check, vars: { lb, instance_id: 'i-0abc' } });

  it('drains a registered target (changed), is ok when already deregistered, predicts in check mode', async () => {
    elb.on(DescribeTargetHealthCommand).resolves(health('healthy'));
    expect(await runModule(lb_member, { state: 'drained' }, ctx(true))).toMatchObject({ changed: true, lb: 'alb', target: 'i-0abc' });
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(0);

    elb.reset();
    elb.on(DeregisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolvesOnce(health('healthy')).resolves(health('unused', 'Target.NotRegistered'));
    expect((await runModule(lb_member, { state: 'drained' }, ctx())).changed).toBe(true);
    expect(elb.commandCalls(DeregisterTargetsCommand)).toHaveLength(1);
    expect((await runModule(lb_member, { state: 'absent' }, ctx())).changed).toBe(false);
  });

  it('enables a deregistered target and reports ok when it is already in service', async () => {
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolvesOnce(health('unused', 'Target.NotRegistered')).resolves(health('healthy'));
    expect((await runModule(lb_member, { state: 'enabled' }, ctx())).changed).toBe(true);
    expect((await runModule(lb_member, { state: 'present' }, ctx())).changed).toBe(false);
  });

  it('refuses a missing instance id or a malformed lb variable with one clear message', async () => {
    const noId = makeContext(new LocalConnection({ host: 'app-1' }), { vars: { lb } });
    await expect(runModule(lb_member, { state: 'drained' }, noId)).rejects.toThrow(/app-1 has no instance_id/);
    const badLb = makeContext(new LocalConnection({ host: 'app-1' }), { vars: { lb: { driver: 'alb', region: 'x' } } });
    await expect(runModule(lb_member, { state: 'drained' }, badLb)).rejects.toThrow(/lb is not a load balancer \(target_group_arn/);
    await expect(runModule(lb_member, { state: 'drained' }, makeContext(new LocalConnection()))).rejects.toThrow(/needs the inventory variable lb/);
  });
});
