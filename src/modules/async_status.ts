import { z } from 'zod';
import { isJobId, removeJobCommand } from './commands/async-job';
import { ModuleFailure, type ModuleDefinition } from './module';
import { asyncDirOf, finishedJob, jobResult, jobState } from './support/async-job';
import { becomeOptions, runOk } from './support/host';

const args = z
  .object({
    jid: z.string().refine(isJobId, { message: 'not a job id (use the ansible_job_id of a task run with poll: 0)' }),
    mode: z.enum(['status', 'cleanup']).default('status'),
  })
  .strict();

type AsyncStatusArgs = z.infer<typeof args>;

/** The state of a job started with `async` and `poll: 0`: finished 0 while it runs, then the command's result. */
export const async_status: ModuleDefinition<AsyncStatusArgs> = {
  name: 'async_status',
  args,
  async run(a, ctx) {
    const dir = asyncDirOf(ctx.vars);
    const options = becomeOptions(ctx);
    if (a.mode === 'cleanup') {
      await runOk(ctx, removeJobCommand(dir, a.jid), 'removing the async job');
      return { changed: false, ansible_job_id: a.jid, erased: a.jid };
    }
    const state = await jobState(ctx.conn, options, dir, a.jid);
    if ('missing' in state) throw new ModuleFailure(`could not find job ${a.jid} in ${dir}`, { ansible_job_id: a.jid, started: 1, finished: 1 });
    if (!state.finished) return { changed: false, ansible_job_id: a.jid, started: 1, finished: 0 };
    return jobResult(await finishedJob(ctx.conn, options, dir, a.jid, state.rc), a.jid);
  },
};
