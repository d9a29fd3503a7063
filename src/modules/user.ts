import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { commandLines, parseUserProbe, planUser, userProbeCommand } from './commands/accounts';
import { runOk } from './support/host';

/** A list, or Ansible's comma-separated string ('' means no supplementary groups). */
const groupList = z.union([z.array(z.string().min(1)), z.string()]).transform((g) =>
  Array.isArray(g) ? g : g.split(',').map((s) => s.trim()).filter(Boolean),
);

const args = z
  .object({
    name: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'not a valid user name'),
    state: z.enum(['present', 'absent']).default('present'),
    uid: z.number().int().nonnegative().optional(),
    group: z.string().optional(),
    groups: groupList.optional(),
    append: z.boolean().default(false),
    shell: z.string().optional(),
    home: z.string().optional(),
    comment: z.string().optional(),
    system: z.boolean().default(false),
    create_home: z.boolean().default(true),
    password_lock: z.boolean().optional(),
    remove: z.boolean().default(false),
  })
  .strict();

type UserArgs = z.infer<typeof args>;

export const user: ModuleDefinition<UserArgs> = {
  name: 'user',
  args,
  async run(a, ctx) {
    const { stdout } = await runOk(ctx, userProbeCommand(a.name), `looking up user ${a.name}`);
    const current = parseUserProbe(stdout);
    const steps = planUser(current, a);
    if (steps.length > 0 && !ctx.check) await runOk(ctx, commandLines(steps), `user ${a.name}`);
    return { changed: steps.length > 0, name: a.name, state: a.state, ...(current ? { uid: current.uid } : {}) };
  },
};
