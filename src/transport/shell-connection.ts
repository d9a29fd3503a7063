import type { Connection, PutOptions, ReadOptions, RunOptions, RunResult, Hop } from './connection';
import { TransportError } from './connection';
import { buildPutScript, buildReadCommand, buildRunCommand, putStepForExit, READ_ABSENT_EXIT, sudoRefusal, type PutStep } from './commands';

/** What a transport must provide: run one shell command line, feeding stdin, collecting everything. */
export interface ExecRequest {
  command: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
  signal?: string;
}

/** A file operation failed on a reachable host; `step` says which part of the atomic write failed. */
export class RemoteFileError extends Error {
  constructor(
    readonly host: string,
    readonly path: string,
    readonly step: PutStep | 'read',
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${host}: ${path}: ${stderr.trim() || `${step} failed with exit status ${exitCode}`}`);
    this.name = 'RemoteFileError';
  }
}

/**
 * run / putFile / readFile, written once on top of `exec`, so the SSH and the local connection
 * behave identically (same quoting, same atomic write, same sudo detection).
 */
export abstract class ShellConnection implements Connection {
  protected constructor(
    readonly host: string,
    private readonly hop: Hop,
    private readonly defaultTimeoutMs: number | undefined,
  ) {}

  protected abstract exec(request: ExecRequest): Promise<ExecResult>;
  abstract close(): Promise<void>;

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    const line = this.build(() => buildRunCommand(command, options));
    const result = await this.execChecked(line, options, options.stdin, options.timeoutMs);
    return {
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr.toString('utf8'),
      exitCode: result.exitCode,
      ...(result.signal !== undefined ? { signal: result.signal } : {}),
    };
  }

  async putFile(remotePath: string, content: string | Buffer, options: PutOptions = {}): Promise<void> {
    const script = this.build(() => buildPutScript(remotePath, options));
    const result = await this.execChecked(script, options, content, undefined);
    if (result.exitCode === 0) return;
    const step = putStepForExit(result.exitCode) ?? 'write';
    throw new RemoteFileError(this.host, remotePath, step, result.exitCode, result.stderr.toString('utf8'));
  }

  async readFile(remotePath: string, options: ReadOptions = {}): Promise<Buffer | null> {
    const command = this.build(() => buildReadCommand(remotePath, options));
    const result = await this.execChecked(command, options, undefined, undefined);
    if (result.exitCode === 0) return result.stdout;
    if (result.exitCode === READ_ABSENT_EXIT && result.stderr.length === 0) return null;
    throw new RemoteFileError(this.host, remotePath, 'read', result.exitCode, result.stderr.toString('utf8'));
  }

  /** Bad arguments (mode, env name, path) are the caller's error, reported before anything is sent. */
  private build(make: () => string): string {
    try {
      return make();
    } catch (err) {
      throw new TransportError(this.host, this.hop, 'config', (err as Error).message, false);
    }
  }

  private async execChecked(command: string, become: { become?: boolean }, stdin: string | Buffer | undefined, timeoutMs: number | undefined): Promise<ExecResult> {
    const result = await this.exec({ command, stdin, timeoutMs: timeoutMs ?? this.defaultTimeoutMs });
    throwIfBecomeRefused(this.host, this.hop, become, result.exitCode, result.stderr.toString('utf8'));
    return result;
  }
}

/** A become call that failed because sudo refused (not because the command did) is a transport failure, wherever it ran. */
export function throwIfBecomeRefused(host: string, hop: Hop, become: { become?: boolean }, exitCode: number, stderr: string): void {
  if (!become.become || exitCode === 0) return;
  const refusal = sudoRefusal(stderr);
  if (refusal !== undefined) throw new TransportError(host, hop, 'become', `become failed: ${refusal}`);
}
