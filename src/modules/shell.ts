import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { shellLine } from './commands/exec';
import { execOptions, execute } from './support/execute';

const args = z
  .object({ ...execOptions, executable: z.string().min(1).default('/bin/sh') })
  .strict()
  .refine((a) => a.cmd !== undefined, { message: 'shell needs cmd (the script)', path: ['cmd'] });

type ShellArgs = z.infer<typeof args>;

/** Runs a script through /bin/sh -c (or `executable`): pipes, redirections and variables work. */
export const shell: ModuleDefinition<ShellArgs> = {
  name: 'shell',
  args,
  freeForm: 'cmd',
  run: (a, ctx) => execute(ctx, a, shellLine(a)),
};
