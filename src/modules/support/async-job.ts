import type { Connection, RunOptions, RunResult } from '../../transport/connection';
import { DEFAULT_ASYNC_DIR, jobOutputCommand, jobStateCommand, parseJobState, type JobState } from '../commands/async-job';
import type { ModuleResult } from '../module';
import { commandResult } from './execute';
import { runOk } from './host';

/** Where jobs live on the host: `ansible_async_dir`, as in Ansible, or `~/.ansible_async`. */
export function asyncDirOf(vars: Readonly<Record<string, unknown>>): string {
  const dir = vars.ansible_async_dir;
  return typeof dir === 'string' && dir !== '' ? dir : DEFAULT_ASYNC_DIR;
}

export async function jobState(conn: Connection, options: RunOptions, dir: string, jid: string): Promise<JobState> {
  return parseJobState((await runOk({ conn }, jobStateCommand(dir, jid), 'reading the async job state', options)).stdout);
}

/** A finished job's output and exit code, as if its command had just run. */
export async function finishedJob(conn: Connection, options: RunOptions, dir: string, jid: string, rc: number): Promise<RunResult> {
  const output = await conn.run(jobOutputCommand(dir, jid), options);
  return { stdout: output.stdout, stderr: output.stderr, exitCode: rc };
}

/** async_status of a finished job: the command's result, with the job's markers. */
export function jobResult(output: RunResult, jid: string): ModuleResult {
  return { ...commandResult(undefined, output), ansible_job_id: jid, started: 1, finished: 1 };
}
