import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { commandLines, groupProbeCommand, parseGroupProbe, planGroup } from './commands/accounts';
import { probeRun, runOk } from './support/host';

const args = z
  .object({
    name: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'not a valid group name'),
    state: z.enum(['present', 'absent']).default('present'),
    gid: z.number().int().nonnegative().optional(),
    system: z.boolean().default(false),
  })
  .strict();

type GroupArgs = z.infer<typeof args>;

export const group: ModuleDefinition<GroupArgs> = {
  name: 'group',
  args,
  probe: (a, ctx) => [probeRun(ctx, groupProbeCommand(a.name))],
  async run(a, ctx) {
    const { stdout } = await runOk(ctx, groupProbeCommand(a.name), `looking up group ${a.name}`);
    const steps = planGroup(parseGroupProbe(stdout), a);
    if (steps.length > 0 && !ctx.check) await runOk(ctx, commandLines(steps), `group ${a.name}`);
    return { changed: steps.length > 0, name: a.name, state: a.state };
  },
};
