import { posix } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { ensureFile, probeDestination } from './support/file-content';
import { stringList } from './support/list-arg';
import { editPamd, InvalidPamd, PAM_TYPES, parseModuleArguments, UnreadablePamd } from './support/pamd-edit';

const REQUIRED_BY_STATE: Record<string, Array<'module_arguments' | 'new_control' | 'new_type' | 'new_module_path'>> = {
  args_present: ['module_arguments'],
  args_absent: ['module_arguments'],
  before: ['new_control', 'new_type', 'new_module_path'],
  after: ['new_control', 'new_type', 'new_module_path'],
};

const args = z
  .object({
    name: z.string(),
    type: z.enum(PAM_TYPES),
    control: z.string(),
    module_path: z.string(),
    new_type: z.enum(PAM_TYPES).optional(),
    new_control: z.string().optional(),
    new_module_path: z.string().optional(),
    module_arguments: stringList.optional(),
    state: z.enum(['absent', 'after', 'args_absent', 'args_present', 'before', 'updated']).default('updated'),
    path: z.string().default('/etc/pam.d'),
    backup: z.boolean().default(false),
  })
  .strict()
  .superRefine((a, issue) => {
    const missing = (REQUIRED_BY_STATE[a.state] ?? []).filter((key) => a[key] === undefined);
    if (missing.length > 0) issue.addIssue({ code: z.ZodIssueCode.custom, message: `state is ${a.state} but all of the following are missing: ${missing.join(', ')}`, path: ['state'] });
    if (a.state === 'args_present' && parseModuleArguments(a.module_arguments).some((arg) => arg.startsWith('['))) {
      issue.addIssue({ code: z.ZodIssueCode.custom, message: "Unable to process bracketed '[' complex arguments with 'args_present'. Please use 'updated'.", path: ['module_arguments'] });
    }
  });

/**
 * community.general.pamd: one rule of /etc/pam.d/<name> (type, control and module_path must
 * all match) updated, removed, given a neighbour or its arguments edited, as the module does
 * (support/pamd-edit.ts). Results `change_count` and `backupdest` ('' without a backup).
 */
export const pamd: ModuleDefinition<z.infer<typeof args>> = {
  name: 'pamd',
  args,
  async run(a, ctx) {
    const file = posix.join(a.path, a.name);
    const probe = await probeDestination(ctx, file, true);
    if (!probe.exists || probe.type !== 'file') {
      const reason = probe.exists ? `[Errno 21] Is a directory: '${file}'` : `[Errno 2] No such file or directory: '${file}'`;
      throw new ModuleFailure(`Unable to open/read PAM module file ${file} with error ${reason}.`);
    }
    let edit: { changes: number; text?: string };
    try {
      edit = editPamd(probe.content?.toString('utf8') ?? '', a, new Date());
    } catch (err) {
      if (err instanceof UnreadablePamd) throw new ModuleFailure(`${file}: ${err.message}`);
      if (err instanceof InvalidPamd) throw new ModuleFailure(err.message);
      throw err;
    }
    const result = { changed: edit.changes > 0, change_count: edit.changes, backupdest: '' };
    if (edit.text === undefined) return result;
    const written = await ensureFile(ctx, { path: file, content: Buffer.from(edit.text), backup: a.backup }, probe);
    return { ...result, backupdest: typeof written.backup_file === 'string' ? written.backup_file : '' };
  },
};
