import { LbTimeoutError, type LbDriver, type LbMember, type MemberStatus, type WaitOptions } from './driver';
import { parseServersState, parseStatCsv, runtimeCommand } from './haproxy-runtime';
import { pollUntil } from './poll';

export interface HaproxySettings {
  admin_address: string;
  backend: string;
}

const RUNNING = 2;
/** Every admin bit that takes a server out of rotation (maintenance or drain, forced, inherited or configured). */
const OUT_OF_ROTATION = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40;

/**
 * HAProxy's runtime API (the lab's load balancer): `set server <backend>/<server> state drain|ready`,
 * observed through `show servers state` (admin and health) and `show stat` (sessions in flight).
 * The server name in the backend is the inventory host name.
 */
export class HaproxyDriver implements LbDriver {
  readonly kind = 'haproxy';

  constructor(
    private readonly settings: HaproxySettings,
    private readonly pollMs = 250,
  ) {}

  private command(command: string): Promise<string> {
    return runtimeCommand(this.settings.admin_address, command);
  }

  async status(member: LbMember): Promise<MemberStatus> {
    const { backend } = this.settings;
    const [states, stats] = await Promise.all([this.command(`show servers state ${backend}`), this.command(`show stat ${backend} 4 -1`)]);
    const state = parseServersState(states, member.targetId);
    const row = parseStatCsv(stats).find((r) => r.pxname === backend && r.svname === member.targetId);
    if (!state || !row) {
      throw new Error(`HAProxy at ${this.settings.admin_address} has no server ${member.targetId} in backend ${backend}: ${states.trim().split('\n')[0]}`);
    }
    const enabled = (state.adminState & OUT_OF_ROTATION) === 0;
    const inFlight = Number(row.scur || 0) + Number(row.qcur || 0);
    return {
      enabled,
      healthy: state.opState === RUNNING,
      drained: !enabled && inFlight === 0,
      detail: `${row.status}, ${inFlight} session(s) in flight`,
    };
  }

  private async setState(member: LbMember, state: 'drain' | 'ready'): Promise<void> {
    const answer = (await this.command(`set server ${this.settings.backend}/${member.targetId} state ${state}`)).trim();
    // Success is an empty answer; anything else is HAProxy's error ("No such server.", "Permission denied"...).
    if (answer !== '') throw new Error(`HAProxy refused "set server ${this.settings.backend}/${member.targetId} state ${state}": ${answer}`);
  }

  private async waitFor(member: LbMember, wanted: string, options: WaitOptions, done: (s: MemberStatus) => boolean): Promise<MemberStatus> {
    if (!options.wait) return this.status(member);
    const { value, ok } = await pollUntil(() => this.status(member), done, options.timeoutSeconds * 1000, this.pollMs);
    if (!ok) throw new LbTimeoutError(member, wanted, options.timeoutSeconds, value.detail);
    return value;
  }

  async drain(member: LbMember, options: WaitOptions): Promise<MemberStatus> {
    await this.setState(member, 'drain');
    return this.waitFor(member, 'drained', options, (s) => s.drained);
  }

  async enable(member: LbMember, options: WaitOptions): Promise<MemberStatus> {
    await this.setState(member, 'ready');
    return this.waitFor(member, 'healthy', options, (s) => s.enabled && s.healthy);
  }
}
