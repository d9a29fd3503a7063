import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ModuleDefinition } from './module';

const args = z
  .object({
    seconds: z.number().nonnegative().optional(),
    minutes: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((a) => (a.seconds === undefined) !== (a.minutes === undefined), { message: 'pause needs seconds or minutes (play never prompts)' });

type PauseArgs = z.infer<typeof args>;

export const pause: ModuleDefinition<PauseArgs> = {
  name: 'pause',
  args,
  async run(a) {
    const ms = ((a.seconds ?? 0) + (a.minutes ?? 0) * 60) * 1000;
    const started = Date.now();
    await sleep(ms);
    return { changed: false, delta_ms: Date.now() - started };
  },
};
