import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition, type ModuleResult } from './module';
import { fileProbeCommand, parseFileProbe } from './commands/file-probe';
import { liveValueCommand, parseLiveValue, sameSysctlValue, SETTINGS_FILE_PROBE, writeLiveCommand } from './commands/sysctl';
import { ensureFile } from './support/file-content';
import { probeFile, probeRun, run, runOk } from './support/host';
import { editLine } from './support/line-edit';

const args = z
  .object({
    name: z.string().regex(/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/, 'not a sysctl key like net.ipv4.ip_forward'),
    value: z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v))).optional(),
    state: z.enum(['present', 'absent']).default('present'),
    sysctl_file: z.string().default('/etc/sysctl.conf'),
    /** Also set the running kernel's value (not only the file read at boot). */
    reload: z.boolean().default(true),
    /** Ansible's "set the running value with sysctl -w when it differs": what reload does here, so either asks for it. */
    sysctl_set: z.boolean().default(false),
    /** A key the kernel refuses (read-only /proc/sys in a container, unknown key) is a warning, not a failure. */
    ignoreerrors: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.state === 'absent' || a.value !== undefined, { message: 'state: present needs value', path: ['value'] });

type SysctlArgs = z.infer<typeof args>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const sysctl: ModuleDefinition<SysctlArgs> = {
  name: 'sysctl',
  args,
  aliases: { key: 'name', val: 'value' },
  probe: (a, ctx) => [probeFile(ctx, a.sysctl_file, SETTINGS_FILE_PROBE), probeRun(ctx, liveValueCommand(a.name))],
  async run(a, ctx) {
    const probe = parseFileProbe((await runOk(ctx, fileProbeCommand(a.sysctl_file, SETTINGS_FILE_PROBE), `reading ${a.sysctl_file}`)).stdout);
    const live = parseLiveValue((await runOk(ctx, liveValueCommand(a.name), `reading ${a.name}`)).stdout);
    const warnings: string[] = [];
    const refuse = (why: string): void => {
      if (!a.ignoreerrors) throw new ModuleFailure(`${why} (set ignoreerrors: true to only write ${a.sysctl_file})`);
      warnings.push(why);
    };

    const value = a.value as string;
    const setLive = a.state === 'present' && (a.reload || a.sysctl_set) && (live === undefined || !sameSysctlValue(live, value));
    if (setLive && live === undefined) refuse(`${a.name} is not a kernel setting on ${ctx.host} (no ${a.name.replace(/\./g, '/')} under /proc/sys)`);
    else if (setLive && !ctx.check) {
      // Apply before touching the file: a value the kernel refuses must not be left in the boot config.
      const write = await run(ctx, writeLiveCommand(a.name, value));
      if (write.exitCode !== 0) {
        refuse(
          `cannot set ${a.name}=${value} on ${ctx.host}: ${write.stderr.trim()}` +
            (/read-only/i.test(write.stderr) ? ' — /proc/sys is read-only for this key here (in a container vm.* and kernel.* belong to the host)' : ''),
        );
      }
    }

    const before = probe.content?.toString('utf8') ?? '';
    const line = `${a.name}=${value}`;
    const after = editLine(before, { state: a.state, regexp: `^\\s*${escapeRegExp(a.name)}\\s*=`, line });
    const fileResult: ModuleResult =
      after === before && (probe.exists || a.state === 'absent')
        ? { changed: false }
        : await ensureFile(ctx, { path: a.sysctl_file, content: Buffer.from(after), ...(probe.exists ? {} : { mode: '0644' }) }, probe);
    return {
      ...fileResult,
      changed: fileResult.changed || (setLive && live !== undefined && warnings.length === 0),
      name: a.name,
      ...(a.value !== undefined ? { value } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  },
};
