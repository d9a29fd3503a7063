/**
 * Pure builders for running many read-only operations in ONE exec channel: the operations' own
 * command lines (exactly what `run` and `readFile` would send, minus sudo), each in its own `sh`,
 * grouped under one sudo per privilege, their outputs framed so the controller can split them.
 */
import { shellQuote } from '../base/shell-quote';
import { buildReadCommand, buildRunCommand, READ_ABSENT_EXIT, sudoRefusal, wrapBecomeStdin, type BecomeSpec } from './commands';
import type { ReadOptions, RunOptions, RunResult } from './connection';

/** One operation of a batch: a command as `Connection.run` takes it, or a file as `readFile` takes it. */
export type BatchOperation =
  | { kind: 'run'; command: string; options: RunOptions }
  | { kind: 'read'; path: string; options: ReadOptions };

/** What one operation answered; `undefined` where the batch cannot stand in for the real call. */
export type BatchAnswer = { kind: 'run'; result: RunResult } | { kind: 'read'; content: Buffer | null } | undefined;

/** A batch's scripts at most: what one round trip carries, and what a host's shell holds in memory at once. */
export const MAX_SEGMENT_BYTES = 96 * 1024;

/** The operation's own script, as its call would run it inside the become shell. */
function operationScript(op: BatchOperation): string {
  if (op.kind === 'read') return buildReadCommand(op.path);
  return buildRunCommand(op.command, { cwd: op.options.cwd, env: op.options.env });
}

function becomeOf(op: BatchOperation): BecomeSpec {
  return op.options.become ? { become: true, becomeUser: op.options.becomeUser ?? 'root' } : {};
}

/** Whether an operation can run inside a batch: stdin and per-call timeouts are not batched. */
export function batchable(op: BatchOperation): boolean {
  return op.kind === 'read' || (op.options.stdin === undefined && op.options.timeoutMs === undefined);
}

/**
 * Two frames per operation, one in each stream: on stdout `<nonce> o <i>`, its stdout,
 * `<nonce> e <i> <exit>`; on stderr `<nonce> o <i>`, its stderr, `<nonce> x <i>`; each marker on a
 * line of its own (a newline before it, so output without a final newline still frames). SSH
 * carries the two streams apart, so neither needs a temporary file. Each operation runs in a
 * subshell of its own, as its own `sh -c` would (its exit, variables and directory stay there),
 * without a new shell's start-up: on a converged host the batch's cost is the processes the probes
 * start, and little else. Consecutive operations with the same privilege share one sudo, which
 * reads their script from a here-document rather than its command line: sudo logs its command
 * line (to syslog, and on to wherever the host forwards its logs), and a batch's script is
 * kilobytes, so that cost the host more than the sudo itself; nor does `ps` show the script. The
 * script is read by `sh` from stdin; its stdout is base64, since a command's bytes need not be
 * text (stderr, as a call's own, is read as text).
 */
export function buildBatchScript(ops: readonly BatchOperation[], nonce: string): string {
  const frame = [
    `o() { printf '%s o %s\\n' ${nonce} "$1"; printf '%s o %s\\n' ${nonce} "$1" >&2; }`,
    `e() { printf '\\n%s e %s %s\\n' ${nonce} "$1" "$2"; printf '\\n%s x %s\\n' ${nonce} "$1" >&2; }`,
  ].join('\n');
  const segments: string[] = [];
  let start = 0;
  while (start < ops.length) {
    const become = becomeOf(ops[start]);
    let end = start;
    const calls: string[] = [];
    while (end < ops.length && JSON.stringify(becomeOf(ops[end])) === JSON.stringify(become)) {
      // The framing functions are not the operation's: a program called `o` or `e` must be found as alone.
      calls.push(`o ${end}\n(\nunset -f o e\n${operationScript(ops[end])}\n) </dev/null\ne ${end} $?`);
      end++;
    }
    const body = [frame, ...calls].join('\n');
    // The end marker holds the nonce, which no operation can know in advance, so no line of theirs ends the script early.
    segments.push(become.become ? `${wrapBecomeStdin(become)} <<'PLAY_BATCH_${nonce}'\n${body}\nPLAY_BATCH_${nonce}` : `${body} </dev/null`);
    start = end;
  }
  return `{\n${segments.join('\n')}\n} | base64 -w0\n`;
}

/** At least the size of the script these operations make (it adds up), to keep every sudo's argument in bounds. */
export function segmentBytes(ops: readonly BatchOperation[]): number {
  return ops.reduce((sum, op) => sum + shellQuote(operationScript(op)).length + 48, 0);
}

/** What one operation of a batch printed and how it exited, as its frames hold it. */
export interface BatchFrame {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** Each operation's frames, in order; undefined where they are missing or cut short. */
export function parseBatchFrames(output: { stdout: string; stderr: string }, nonce: string, count: number): (BatchFrame | undefined)[] {
  const out = Buffer.from(output.stdout.trim(), 'base64');
  const err = Buffer.from(output.stderr, 'utf8');
  const frames: (BatchFrame | undefined)[] = [];
  const at = { out: 0, err: 0 };
  for (let i = 0; i < count; i++) {
    const stdout = framed(out, at.out, Buffer.from(`${nonce} o ${i}\n`), Buffer.from(`\n${nonce} e ${i} `));
    const stderr = framed(err, at.err, Buffer.from(`${nonce} o ${i}\n`), Buffer.from(`\n${nonce} x ${i}\n`));
    const lineEnd = stdout ? out.indexOf(0x0a, stdout.closeAt) : -1;
    const exitCode = stdout && lineEnd >= 0 ? Number(out.subarray(stdout.closeAt, lineEnd).toString('latin1')) : NaN;
    if (!stdout || !stderr || !Number.isInteger(exitCode)) {
      frames.push(undefined);
      continue;
    }
    frames.push({ stdout: stdout.body, stderr: stderr.body, exitCode });
    at.out = lineEnd;
    at.err = stderr.closeAt;
  }
  return frames;
}

/** Whether the batch's shell reached an operation (printed its opening marker): before that, nothing of it ran. */
export function operationStarted(output: { stdout: string }, nonce: string, index: number): boolean {
  const out = Buffer.from(output.stdout.trim(), 'base64');
  const open = Buffer.from(`${nonce} o ${index}\n`);
  const at = out.indexOf(open);
  return at === 0 || (at > 0 && out[at - 1] === 0x0a);
}

/** The bytes between an opening marker (at a line's start) and a closing one, searched from `from`; and where the closing marker ends. */
function framed(stream: Buffer, from: number, open: Buffer, close: Buffer): { body: Buffer; closeAt: number } | undefined {
  const start = stream.indexOf(open, from);
  if (start < 0 || (start > 0 && stream[start - 1] !== 0x0a)) return undefined;
  const bodyAt = start + open.length;
  const end = stream.indexOf(close, bodyAt);
  if (end < 0) return undefined;
  return { body: stream.subarray(bodyAt, end), closeAt: end + close.length };
}

/**
 * What an operation's frames answer for it. An operation whose frames are missing (its sudo
 * refused, the script cut short: no frame to pass), whose sudo refused, or whose read failed
 * otherwise than "absent" gets no answer: the real call then runs and reports it as it always does.
 */
export function batchAnswer(op: BatchOperation, { stdout, stderr, exitCode }: BatchFrame): BatchAnswer {
  if (op.options.become && exitCode !== 0 && sudoRefusal(stderr.toString('utf8')) !== undefined) return undefined;
  if (op.kind === 'read') {
    if (exitCode === 0) return { kind: 'read', content: Buffer.from(stdout) };
    if (exitCode === READ_ABSENT_EXIT && stderr.length === 0) return { kind: 'read', content: null };
    return undefined;
  }
  return { kind: 'run', result: { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), exitCode } };
}
