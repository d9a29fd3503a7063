import type { BatchAnswer, BatchOperation } from '../../transport/batch-script';
import type { Connection, ReadOptions, RunOptions, RunResult, TransportError } from '../../transport/connection';
import { ConnectionWrapper } from './connection-wrapper';

/**
 * What a host answered to read-only operations gathered ahead of its tasks (probe-batch.ts), kept
 * only while nothing else has happened on that host: the first operation the cache cannot answer
 * (a change, a command, a file written, an unexpected read) may have changed the host, so every
 * answer still held is dropped. Each answer is used once, so a module polling the same command
 * sees the host again on its second look.
 */
export class ProbeCache {
  private readonly answers = new Map<string, BatchAnswer[]>();
  /** Operations answered from the cache and operations that went to the host, for the benchmark's breakdown. */
  readonly counts = { answered: 0, sent: 0, batches: 0 };

  has(op: BatchOperation): boolean {
    return (this.answers.get(keyOf(op))?.length ?? 0) > 0;
  }

  /** Changes whenever the held answers are dropped: a batch started before then is stale. */
  generation = 0;

  /** Keeps a batch's answers, unless something may have changed the host since the batch started (`since`). */
  store(ops: readonly BatchOperation[], answers: readonly BatchAnswer[], since: number): void {
    if (since !== this.generation) return;
    this.counts.batches++;
    ops.forEach((op, i) => {
      const answer = answers[i];
      if (answer === undefined) return;
      const key = keyOf(op);
      this.answers.set(key, [...(this.answers.get(key) ?? []), answer]);
    });
  }

  private failure: TransportError | undefined;

  /** The host could not be reached for a batch: the next operation meets the same failure. */
  fail(err: TransportError): void {
    this.drop();
    this.failure = err;
  }

  /** The failure a batch met, given once. */
  takeFailure(): TransportError | undefined {
    const failure = this.failure;
    this.failure = undefined;
    return failure;
  }

  /** The held answer to this operation, or undefined (and then nothing held is trusted any more). */
  take(op: BatchOperation): BatchAnswer {
    const key = keyOf(op);
    const held = this.answers.get(key);
    const answer = held?.shift();
    if (held?.length === 0) this.answers.delete(key);
    if (answer === undefined) this.sent();
    else this.counts.answered++;
    return answer;
  }

  /** An operation goes to the host: it may change it. */
  sent(): void {
    this.counts.sent++;
    this.drop();
  }

  /** Nothing held is trusted any more. */
  drop(): void {
    this.answers.clear();
    this.generation++;
  }
}

/** Same command, same privilege, same directory and environment: the same operation. */
export function keyOf(op: BatchOperation): string {
  const o = op.options as RunOptions;
  const parts = [op.kind, op.kind === 'run' ? op.command : op.path, o.become === true, o.become ? (o.becomeUser ?? 'root') : '', o.cwd ?? '', JSON.stringify(o.env ?? {}), o.stdin === undefined ? '' : 'stdin', o.timeoutMs ?? ''];
  return JSON.stringify(parts);
}

/** The host's connection as a module sees it: answers held in the cache first, the host otherwise. */
export class ProbeCacheConnection extends ConnectionWrapper {
  /**
   * `upcoming`, for a task the engine may look past: runs the task's last command together with
   * the probes of the tasks after it (probe-batch.ts runWithUpcoming); used once.
   */
  constructor(
    inner: Connection,
    private readonly cache: ProbeCache,
    private upcoming?: (op: BatchOperation & { kind: 'run' }) => Promise<RunResult>,
  ) {
    super(inner);
  }

  /** A batch's failure to reach the host is the next operation's, whatever it is. */
  private meetFailure(): void {
    const failure = this.cache.takeFailure();
    if (failure) throw failure;
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    this.meetFailure();
    const answer = this.cache.take({ kind: 'run', command, options });
    if (answer?.kind === 'run') return { ...answer.result };
    const upcoming = options.last ? this.upcoming : undefined;
    this.upcoming = undefined;
    return upcoming ? upcoming({ kind: 'run', command, options }) : this.inner.run(command, options);
  }

  async readFile(remotePath: string, options: ReadOptions = {}): Promise<Buffer | null> {
    this.meetFailure();
    const answer = this.cache.take({ kind: 'read', path: remotePath, options });
    if (answer?.kind === 'read') return answer.content === null ? null : Buffer.from(answer.content);
    return this.inner.readFile(remotePath, options);
  }

  async putFile(remotePath: string, content: string | Buffer, options?: Parameters<Connection['putFile']>[2]): Promise<void> {
    this.meetFailure();
    this.cache.sent();
    return this.inner.putFile(remotePath, content, options);
  }
}
