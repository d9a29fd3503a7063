import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import {
  editEtcTimezone,
  linkLocaltimeCommand,
  parseTimedatectl,
  parseTimezoneProbe,
  setLocalRtcCommand,
  setTimezoneCommand,
  timezoneProbeCommand,
  zoneFromFiles,
  ZONEINFO,
  type TimezoneProbe,
} from './commands/timezone';
import { ensureFile, probeDestination } from './support/file-content';
import { runOk } from './support/host';

const args = z
  .object({
    name: z.string().min(1).optional(),
    hwclock: z.enum(['local', 'UTC']).optional(),
  })
  .strict()
  .refine((a) => a.name !== undefined || a.hwclock !== undefined, { message: 'one of the following is required: hwclock, name' });

type TimezoneArgs = z.infer<typeof args>;
type Settings = Partial<Record<'name' | 'hwclock', string>>;

function current(probe: TimezoneProbe, a: TimezoneArgs, host: string): Settings {
  const now: Settings = {};
  if (probe.timedatectl !== undefined) {
    const status = parseTimedatectl(probe.timedatectl);
    if (a.name !== undefined) now.name = status.name ?? 'n/a';
    if (a.hwclock !== undefined) now.hwclock = status.hwclock ?? 'n/a';
    return now;
  }
  if (a.hwclock !== undefined) {
    throw new ModuleFailure(`hwclock: timedatectl does not work on ${host}, and play sets the hardware clock mode only through it`);
  }
  if (!probe.dpkgReconfigure) throw new ModuleFailure(`timezone without timedatectl is supported on Debian only (no dpkg-reconfigure on ${host})`);
  now.name = zoneFromFiles(probe, a.name as string);
  return now;
}

async function probe(ctx: ModuleContext, a: TimezoneArgs): Promise<TimezoneProbe> {
  return parseTimezoneProbe((await runOk(ctx, timezoneProbeCommand(a.name), 'reading the time zone')).stdout);
}

/** Ansible's diff of a settings dict, as its callback prints one (JSON, four-space indent, keys sorted). */
function rendered(settings: Settings): string {
  return `${JSON.stringify(Object.fromEntries(Object.entries(settings).sort()), null, 4)}\n`;
}

/**
 * community.general.timezone on Debian: through `timedatectl` when it works on the host (as in the
 * lab's booted containers), otherwise /etc/timezone, the /etc/localtime link and dpkg-reconfigure tzdata.
 */
export const timezone: ModuleDefinition<TimezoneArgs> = {
  name: 'timezone',
  args,
  aliases: { rtc: 'hwclock' },
  async run(a, ctx) {
    const found = await probe(ctx, a);
    if (a.name !== undefined && !found.zoneExists) throw new ModuleFailure(`given timezone "${a.name}" is not available (no ${ZONEINFO}/${a.name} on ${ctx.host})`);
    const before = current(found, a, ctx.host);
    const planned: Settings = { ...(a.name !== undefined ? { name: a.name } : {}), ...(a.hwclock !== undefined ? { hwclock: a.hwclock } : {}) };
    const changes = (Object.keys(planned) as (keyof Settings)[]).filter((key) => before[key] !== planned[key]);
    const msg: string[] = [];
    let after = planned;
    if (!ctx.check && changes.length > 0) {
      for (const key of changes) {
        const command =
          found.timedatectl !== undefined
            ? key === 'name'
              ? setTimezoneCommand(planned.name as string)
              : setLocalRtcCommand(planned.hwclock as 'local' | 'UTC')
            : linkLocaltimeCommand(planned.name as string);
        if (found.timedatectl === undefined) {
          const path = '/etc/timezone';
          const was = await probeDestination(ctx, path, true);
          await ensureFile(ctx, { path, content: Buffer.from(editEtcTimezone(was.content?.toString('utf8') ?? '', planned.name as string)), ...(was.exists ? {} : { mode: '0644' }) }, was);
        }
        await runOk(ctx, command, `setting ${key} to ${planned[key]}`);
        msg.push(`executed \`${command}\``);
      }
      after = current(await probe(ctx, a), a, ctx.host);
      if (JSON.stringify(after) !== JSON.stringify(planned)) {
        throw new ModuleFailure(`still not desired state, though changes have made - planned: ${JSON.stringify(planned)}, after: ${JSON.stringify(after)}`);
      }
    }
    const changed = changes.length > 0;
    return {
      changed,
      ...(changed && ctx.diff ? { diff: [{ path: 'timezone', before: rendered(before), after: rendered(after) }] } : {}),
      ...(msg.length > 0 ? { msg: msg.join('\n') } : {}),
    };
  },
};
