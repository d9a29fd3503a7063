import { z } from 'zod';
import type { ModuleDefinition, ModuleResult } from './module';

const args = z
  .object({
    msg: z.unknown().optional(),
    /** An expression (a variable name, `result.stdout`...) whose value is shown. */
    var: z.string().min(1).optional(),
    /** Shown only at this -v level or above (the engine filters on it). */
    verbosity: z.number().int().min(0).default(0),
  })
  .strict()
  .refine((a) => a.msg === undefined || a.var === undefined, { message: 'debug takes msg or var, not both' });

type DebugArgs = z.infer<typeof args>;

export const debug: ModuleDefinition<DebugArgs> = {
  name: 'debug',
  args,
  // Runs on the controller only: nothing on the host to gather.
  probe: () => [],
  freeForm: 'msg',
  async run(a, ctx): Promise<ModuleResult> {
    if (a.var === undefined) {
      const msg = a.msg ?? 'Hello world!';
      // Lists and maps are shown as JSON, the way Ansible prints them.
      return { changed: false, msg: typeof msg === 'string' ? msg : JSON.stringify(msg, null, 2), verbosity: a.verbosity };
    }
    const defined = ctx.evaluateCondition(`(${a.var}) is defined`);
    return { changed: false, [a.var]: defined ? ctx.evaluate(a.var) : 'VARIABLE IS NOT DEFINED!', verbosity: a.verbosity };
  },
};
