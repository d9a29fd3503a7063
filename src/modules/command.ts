import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { commandLine } from './commands/exec';
import { execOptions, execute } from './support/execute';

const args = z
  .object({ ...execOptions, argv: z.array(z.string()).min(1).optional() })
  .strict()
  .refine((a) => (a.cmd === undefined) !== (a.argv === undefined), { message: 'command needs exactly one of cmd (free form) or argv' });

type CommandArgs = z.infer<typeof args>;

/** Runs one program with its arguments, never through a shell's syntax. */
export const command: ModuleDefinition<CommandArgs> = {
  name: 'command',
  args,
  freeForm: 'cmd',
  run: (a, ctx) => execute(ctx, a, commandLine(a)),
};
