import { argv } from '../support/shell';
import { commandLine, shellLine, type ExecArgs } from './exec';

/**
 * Background jobs for `async:` tasks and `async_status`. A job lives in a private directory
 * `<async dir>/<jid>/` (mktemp, mode 0700): `pid` (the job's process group, it runs under
 * setsid so it outlives the launching command and can be killed whole), `stdout`, `stderr`,
 * and `rc` once it has finished (written under another name, then renamed, so it is whole).
 */

/** Ansible's default `ansible_async_dir`. */
export const DEFAULT_ASYNC_DIR = '~/.ansible_async';

const JID = /^[A-Za-z0-9._-]+$/;

export function isJobId(jid: string): boolean {
  return JID.test(jid) && jid !== '.' && jid !== '..';
}

/** A path for the shell: `~/` is the remote user's home, everything else is quoted. */
function shellPath(path: string): string {
  return path.startsWith('~/') ? `"$HOME"/${argv(path.slice(2))}` : argv(path);
}

function jobDir(asyncDir: string, jid: string): string {
  return `d=${shellPath(asyncDir)}/${argv(jid)}`;
}

// $1 = the job directory, $2 = the command line; `$$` is the session (and process group) leader
const RUNNER = 'echo $$ > "$1/pid"; sh -c "$2" < "$1/stdin" > "$1/stdout" 2> "$1/stderr"; echo $? > "$1/rc.tmp"; mv "$1/rc.tmp" "$1/rc"';

/**
 * Starts `line` detached and prints the job id. With `stdin`, the launching command's standard
 * input is saved for the job; otherwise the job reads nothing.
 */
export function startJobCommand(line: string, asyncDir: string, withStdin: boolean): string {
  const base = shellPath(asyncDir);
  const saveStdin = withStdin ? 'cat > "$d/stdin"' : ': > "$d/stdin"';
  return [
    `mkdir -p -m 700 ${base}`,
    `d=$(mktemp -d ${base}/j.XXXXXXXXXX)`,
    saveStdin,
    `{ setsid sh -c ${argv(RUNNER)} play-async "$d" ${argv(line)} < /dev/null > /dev/null 2>&1 & }`,
    'basename "$d"',
  ].join(' && ');
}

/** Prints the job's exit code when it has finished, `running` while it runs, `missing` when there is no such job. */
export function jobStateCommand(asyncDir: string, jid: string): string {
  return `${jobDir(asyncDir, jid)}; if [ -f "$d/rc" ]; then cat "$d/rc"; elif [ -d "$d" ]; then echo running; else echo missing; fi`;
}

/** The job's output on this command's stdout and stderr. */
export function jobOutputCommand(asyncDir: string, jid: string): string {
  return `${jobDir(asyncDir, jid)}; cat "$d/stdout"; cat "$d/stderr" >&2`;
}

/** Kills the job's whole process group (if it still runs) and removes its directory. */
export function killJobCommand(asyncDir: string, jid: string): string {
  return `${jobDir(asyncDir, jid)}; pid=$(cat "$d/pid" 2>/dev/null) && kill -s KILL -- "-$pid" 2>/dev/null; rm -rf -- "$d"`;
}

export function removeJobCommand(asyncDir: string, jid: string): string {
  return `${jobDir(asyncDir, jid)}; rm -rf -- "$d"`;
}

export type JobState = { finished: false } | { finished: true; rc: number } | { missing: true };

export function parseJobState(stdout: string): JobState {
  const text = stdout.trim();
  if (text === 'missing') return { missing: true };
  if (text === 'running' || text === '') return { finished: false };
  return { finished: true, rc: Number(text) };
}

const ASYNC_LINES: Record<string, (args: ExecArgs & { executable: string }) => string> = { command: commandLine, shell: shellLine };

/** Whether a module can run as an `async` job (it runs one command line). */
export function supportsAsync(module: string): boolean {
  return module in ASYNC_LINES;
}

/** The command line a command/shell task runs, for the job that runs it in the background. */
export function asyncCommandLine(module: string, args: unknown): string {
  return ASYNC_LINES[module](args as ExecArgs & { executable: string });
}
