import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import { parseUnitStatus, planUnit, unitCommand, unitProbeCommand } from './commands/systemd';
import { probeRun, runOk } from './support/host';

const args = z
  .object({
    name: z.string().min(1).optional(),
    state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(),
    enabled: z.boolean().optional(),
    masked: z.boolean().optional(),
    /** Reloads systemd's unit files before anything else (not reported as a change, as in Ansible). */
    daemon_reload: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.name !== undefined || (a.daemon_reload && a.state === undefined && a.enabled === undefined && a.masked === undefined), {
    message: 'name is required (only daemon_reload may go without it)',
    path: ['name'],
  });

type SystemdArgs = z.infer<typeof args>;

/** daemon_reload, which check mode skips (it changes what systemd has loaded). */
function reloads(a: SystemdArgs, ctx: ModuleContext): boolean {
  return a.daemon_reload && !ctx.check;
}

function unitModule(moduleName: string, aliases: Readonly<Record<string, string>>): ModuleDefinition<SystemdArgs> {
  return {
    name: moduleName,
    args,
    aliases,
    probe(a, ctx) {
      // A daemon-reload changes what systemd has loaded: never gathered ahead of the task.
      if (reloads(a, ctx)) return undefined;
      return a.name === undefined ? [] : [{ ...probeRun(ctx, unitProbeCommand(a.name, false)), joint: { family: 'unit', unit: a.name } }];
    },
    async run(a, ctx) {
      const reload = reloads(a, ctx);
      if (a.name === undefined) {
        if (reload) await runOk(ctx, 'systemctl daemon-reload', 'systemctl daemon-reload');
        return { changed: false };
      }
      const { stdout } = await runOk(ctx, unitProbeCommand(a.name, reload), `checking unit ${a.name}`);
      const status = parseUnitStatus(stdout);
      if (status.LoadState === 'not-found' && (a.state !== undefined || a.enabled !== undefined)) {
        throw new ModuleFailure(`Could not find the requested service ${a.name} on ${ctx.host}`);
      }
      const steps = planUnit(status, { state: a.state, enabled: a.enabled, masked: a.masked });
      if (steps.length > 0 && !ctx.check) await runOk(ctx, unitCommand(a.name, steps), `systemctl on ${a.name}`);
      return { changed: steps.length > 0, name: a.name, status, actions: steps.map((s) => s.join(' ')) };
    },
  };
}

export const systemd = unitModule('systemd', { service: 'name', unit: 'name', 'daemon-reload': 'daemon_reload' });
/** Hosts here run systemd, so `service` is the same module under Ansible's other name. */
export const service = unitModule('service', {});
