import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { commandLines, isPasswordHash, managesPassword, parseUserProbe, passwordInput, planUser, userProbeCommand } from './commands/accounts';
import { probeRun, runOk } from './support/host';

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
    // the message never repeats the value: it may be a real password
    password: z
      .string()
      .refine(isPasswordHash, 'must be a crypt(3) hash such as $6$... or $y$... (this looks like clear text: hash it first, e.g. with mkpasswd)')
      .optional(),
    update_password: z.enum(['always', 'on_create']).default('always'),
    remove: z.boolean().default(false),
  })
  .strict();

type UserArgs = z.infer<typeof args>;

/** The lookup `run` starts with; the wanted password (if any) on stdin, compared on the host. */
function lookup(a: UserArgs): { command: string; stdin?: string } {
  // the hash travels on stdin only (never a command line), and is never part of the result
  const stdin = a.state === 'present' ? passwordInput(a) : undefined;
  return { command: userProbeCommand(a.name, stdin !== undefined), stdin };
}

export const user: ModuleDefinition<UserArgs> = {
  name: 'user',
  args,
  aliases: { user: 'name', createhome: 'create_home' },
  probe(a, ctx) {
    const { command, stdin } = lookup(a);
    // A lookup with stdin is not batchable: a task with a password is probed on its own.
    return stdin === undefined ? [probeRun(ctx, command)] : undefined;
  },
  async run(a, ctx) {
    const { command, stdin } = lookup(a);
    const { stdout } = await runOk(ctx, command, `looking up user ${a.name}`, { stdin });
    const current = parseUserProbe(stdout);
    if (stdin !== undefined && current !== null && managesPassword(current, a) && current.passwordMatches === undefined) {
      throw new ModuleFailure(`user ${a.name}: cannot read /etc/shadow on ${ctx.host} to compare the password (the task needs become)`);
    }
    const steps = planUser(current, a);
    if (steps.length > 0 && !ctx.check) await runOk(ctx, commandLines(steps), `user ${a.name}`, { stdin });
    return {
      changed: steps.length > 0,
      name: a.name,
      state: a.state,
      ...(current ? { uid: current.uid } : {}),
      ...(a.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {}),
    };
  },
};
