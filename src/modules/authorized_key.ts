import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { editAuthorizedKeys, normalizeKeyOptions } from './support/authorized-keys';
import { parseFileProbe } from './commands/file-probe';
import { destinationProbeOf, ensureFile } from './support/file-content';
import { probeRun, runOk } from './support/host';
import { argv, q } from './support/shell';

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

/**
 * The account (passwd entry, primary group) and the keys file, in one round trip: the default
 * file's path comes from the home directory, so the host works it out in the same command.
 */
function accountAndKeysCommand(a: AuthorizedKeyArgs): string {
  return [
    `u=${argv(a.user)}`,
    `if ! e=$(getent passwd "$u") || ! g=$(id -gn -- "$u"); then echo absent; exit 0; fi`,
    `printf 'passwd\\t%s\\npgroup\\t%s\\n' "$e" "$g"`,
    `h=$(printf '%s\\n' "$e" | cut -d: -f6)`,
    `(${destinationProbeOf(a.path === undefined ? `"$h"/.ssh/authorized_keys` : q(a.path), true)})`,
  ].join('\n');
}

function tagged(stdout: string, tag: string): string | undefined {
  return stdout.split('\n').find((line) => line.startsWith(`${tag}\t`))?.slice(tag.length + 1);
}

export const authorized_key: ModuleDefinition<AuthorizedKeyArgs> = {
  name: 'authorized_key',
  args,
  probe: (a, ctx) => [probeRun(ctx, accountAndKeysCommand(a))],
  async run(a, ctx) {
    const { stdout } = await runOk(ctx, accountAndKeysCommand(a), `looking up ${a.user}`);
    const passwd = tagged(stdout, 'passwd');
    const primaryGroup = tagged(stdout, 'pgroup');
    if (!passwd || !primaryGroup) throw new ModuleFailure(`user ${a.user} does not exist on ${ctx.host}`);
    const home = passwd.split(':')[5];
    const sshDir = `${home}/.ssh`;
    const path = a.path ?? `${sshDir}/authorized_keys`;

    const probe = parseFileProbe(stdout);
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
