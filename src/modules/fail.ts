import { z } from 'zod';
import type { ModuleDefinition } from './module';

const args = z.object({ msg: z.string().default('Failed as requested from task') }).strict();

type FailArgs = z.infer<typeof args>;

export const fail: ModuleDefinition<FailArgs> = {
  name: 'fail',
  args,
  // Runs on the controller only: nothing on the host to gather.
  probe: () => [],
  freeForm: 'msg',
  async run(a) {
    return { changed: false, failed: true, msg: a.msg };
  },
};
