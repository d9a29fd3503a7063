import { dirname } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { fileProbeCommand, parseFileProbe } from './commands/file-probe';
import { ensureFile, probeDestination } from './support/file-content';
import { runOk } from './support/host';
import { editLimits, InvalidLimit, invalidLimitValue, PAM_ITEMS, PAM_TYPES } from './support/pam-limits-edit';

const args = z
  .object({
    domain: z.string().min(1),
    limit_type: z.enum(PAM_TYPES),
    limit_item: z.enum(PAM_ITEMS),
    /** A string in Ansible's spec: `value: 64000` is the text 64000. */
    value: z.union([z.string(), z.number()]).transform(String),
    use_max: z.boolean().default(false),
    use_min: z.boolean().default(false),
    backup: z.boolean().default(false),
    dest: z.string().min(1).default('/etc/security/limits.conf'),
    comment: z.string().default(''),
  })
  .strict()
  .refine((a) => !(a.use_max && a.use_min), { message: 'Cannot use use_min and use_max at the same time.', path: ['use_max'] })
  .superRefine((a, issue) => {
    const invalid = invalidLimitValue(a.limit_item, a.value);
    if (invalid) issue.addIssue({ code: z.ZodIssueCode.custom, message: invalid.trim(), path: ['value'] });
  });

/**
 * community.general.pam_limits: one `domain type item value` line of limits.conf, edited as the
 * module edits it (support/pam-limits-edit.ts). A missing file is created (mode from the umask),
 * in a directory that must exist. `msg` is the limit's line; `backup_file` when a backup was made.
 */
export const pam_limits: ModuleDefinition<z.infer<typeof args>> = {
  name: 'pam_limits',
  args,
  async run(a, ctx) {
    const probe = await probeDestination(ctx, a.dest, true);
    if (!probe.exists) {
      const dir = dirname(a.dest);
      const parent = parseFileProbe((await runOk(ctx, fileProbeCommand(dir, { follow: true }), `probing ${dir}`)).stdout);
      if (parent.type !== 'directory') throw new ModuleFailure(`directory ${dir} is not writable (check presence, access rights, use sudo)`);
    }
    const before = probe.content?.toString('utf8') ?? '';
    let edit: { text: string; line: string };
    try {
      edit = editLimits(before, a, a.dest);
    } catch (err) {
      if (err instanceof InvalidLimit) throw new ModuleFailure(err.message);
      throw err;
    }
    const content = probe.exists && edit.text === before ? (probe.content as Buffer) : Buffer.from(edit.text);
    const result = await ensureFile(ctx, { path: a.dest, content, backup: a.backup }, probe);
    return { ...result, msg: edit.line };
  },
};
