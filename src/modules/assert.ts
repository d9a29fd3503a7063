import { z } from 'zod';
import type { ModuleDefinition } from './module';

const condition = z.union([z.string().min(1), z.boolean()]);

const args = z
  .object({
    that: z.union([condition, z.array(condition).min(1)]).transform((t) => (Array.isArray(t) ? t : [t])),
    fail_msg: z.string().optional(),
    msg: z.string().optional(),
    success_msg: z.string().default('All assertions passed'),
    quiet: z.boolean().default(false),
  })
  .strict();

type AssertArgs = z.infer<typeof args>;

/** Every condition of `that` must hold; the first that does not is named in the failure. */
export const assert: ModuleDefinition<AssertArgs> = {
  name: 'assert',
  args,
  // Runs on the controller only: nothing on the host to gather.
  probe: () => [],
  async run(a, ctx) {
    for (const cond of a.that) {
      if (!ctx.evaluateCondition(cond)) {
        return { changed: false, failed: true, assertion: cond, evaluated_to: false, msg: a.fail_msg ?? a.msg ?? `Assertion failed: ${String(cond)}` };
      }
    }
    return { changed: false, ...(a.quiet ? {} : { msg: a.success_msg }) };
  },
};
