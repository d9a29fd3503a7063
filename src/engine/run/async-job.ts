import { killJobCommand, removeJobCommand, startJobCommand } from '../../modules/commands/async-job';
import { ModuleFailure, type ModuleResult } from '../../modules/module';
import { finishedJob, jobState } from '../../modules/support/async-job';
import { runOk } from '../../modules/support/host';
import type { Connection, RunOptions, RunResult } from '../../transport/connection';
import type { AsyncSpec } from '../playbook/types';
import { ConnectionWrapper } from './connection-wrapper';

/**
 * `async:` on a command/shell task. The module runs as usual (creates/removes, check mode and
 * its result shape stay its own); only its one command line is started as a background job on
 * the host, then polled every `poll` seconds until it finishes (its output is returned as if it
 * had run in the foreground) or `async` seconds pass (the job is killed and the task fails).
 * With `poll: 0` the job is left running and the task returns its id.
 */
export class AsyncJobConnection extends ConnectionWrapper {
  /** Set once the job has been started. */
  jid: string | undefined;
  private timedOut = false;

  constructor(
    inner: Connection,
    private readonly line: string,
    private readonly asyncDir: string,
    private readonly spec: AsyncSpec,
  ) {
    super(inner);
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    if (command !== this.line) return this.inner.run(command, options);
    const started = Date.now();
    const start = await runOk({ conn: this.inner }, startJobCommand(command, this.asyncDir, options.stdin !== undefined), 'starting the async job', options);
    const jid = start.stdout.trim();
    this.jid = jid;
    if (this.spec.pollSeconds === 0) return { stdout: '', stderr: '', exitCode: 0 };
    const deadline = started + this.spec.timeoutSeconds * 1000;
    const jobOptions = { become: options.become, becomeUser: options.becomeUser };
    for (;;) {
      const state = await jobState(this.inner, jobOptions, this.asyncDir, jid);
      if ('missing' in state) throw new ModuleFailure(`async job ${jid} disappeared from ${this.asyncDir}`, { ansible_job_id: jid });
      if (state.finished) {
        const output = await finishedJob(this.inner, jobOptions, this.asyncDir, jid, state.rc);
        await this.inner.run(removeJobCommand(this.asyncDir, jid), jobOptions);
        return output;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        await this.inner.run(killJobCommand(this.asyncDir, jid), jobOptions);
        this.timedOut = true;
        throw new ModuleFailure(`async task did not complete within the requested time - ${this.spec.timeoutSeconds}s`, { ansible_job_id: jid });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.spec.pollSeconds * 1000, left)));
    }
  }

  /** The module's result with the job's markers; with `poll: 0`, the job started (Ansible's shape). */
  result(result: ModuleResult): ModuleResult {
    if (this.jid === undefined) return result;
    if (this.spec.pollSeconds === 0) return { changed: true, started: 1, finished: 0, ansible_job_id: this.jid };
    return { ...result, ansible_job_id: this.jid, started: 1, finished: this.timedOut ? 0 : 1 };
  }
}
