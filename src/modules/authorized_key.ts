import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { editAuthorizedKeys, normalizeKeyOptions } from './support/authorized-keys';
import { ensureFile, probeDestination } from './support/file-content';
import { runOk } from './support/host';
import { argv } from './support/shell';

const args = z
  .object({
    user: z.string().min(1),
    /** One or more public keys, one per line. */
    key: z.string().min(1),
    state: z.enum(['present', 'absent']).default('present'),
    /** Remove every other key from the file. */
    exclusive: z.boolean().default(false),
    /** Defaults to ~user/.ssh/authorized_keys. */
    path: z.string().optional(),
    /** sshd options written before every key (`from="10.0.0.0/8",no-agent-forwarding`), replacing the key line's own; "" removes them. */
    key_options: z
      .string()
      .optional()
      .refine((o) => o === undefined || normalizeKeyOptions(o) !== undefined, {
        message: 'key_options must be comma-separated sshd options: name or name="value", no unquoted spaces',
      }),
  })
  .strict();

type AuthorizedKeyArgs = z.infer<typeof args>;

export const authorized_key: ModuleDefinition<AuthorizedKeyArgs> = {
  name: 'authorized_key',
  args,
  async run(a, ctx) {
    const account = await runOk(ctx, `getent passwd ${argv(a.user)} && id -gn -- ${argv(a.user)} || true`, `looking up ${a.user}`);
    const [passwd, primaryGroup] = account.stdout.trim().split('\n');
    if (!passwd || !primaryGroup) throw new ModuleFailure(`user ${a.user} does not exist on ${ctx.host}`);
    const home = passwd.split(':')[5];
    const sshDir = `${home}/.ssh`;
    const path = a.path ?? `${sshDir}/authorized_keys`;

    const probe = await probeDestination(ctx, path, true);
    const before = probe.content?.toString('utf8') ?? '';
    const keyOptions = a.key_options === undefined ? undefined : normalizeKeyOptions(a.key_options);
    const after = editAuthorizedKeys(before, a.key, a.state, a.exclusive, keyOptions);
    if (!probe.exists && a.state === 'absent') return { changed: false, user: a.user, path };
    if (!probe.exists && a.path === undefined && !ctx.check) {
      // sshd's StrictModes refuses keys in a directory others can write: create it as the user's, 0700.
      await runOk(ctx, `[ -d ${argv(sshDir)} ] || install -d -m 0700 -o ${argv(a.user)} -g ${argv(primaryGroup)} -- ${argv(sshDir)}`, `creating ${sshDir}`);
    }
    const result = await ensureFile(ctx, { path, content: Buffer.from(after), owner: a.user, group: primaryGroup, mode: '0600' }, probe);
    return { ...result, user: a.user, path };
  },
};
