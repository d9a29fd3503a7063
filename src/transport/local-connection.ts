import { TransportError } from './connection';
import { ShellConnection, type ExecRequest, type ExecResult } from './shell-connection';
import { runInOwnGroup } from './process-exec';

export interface LocalConnectionOptions {
  /** The inventory name it stands for (normally `localhost`). */
  host?: string;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
}

/** The controller itself, for `delegate_to: localhost`: the same shell scripts, run by a local `sh`. */
export class LocalConnection extends ShellConnection {
  private closed = false;

  constructor(options: LocalConnectionOptions = {}) {
    super(options.host ?? 'localhost', 'local', options.commandTimeoutMs);
  }

  protected async exec(request: ExecRequest): Promise<ExecResult> {
    if (this.closed) throw new TransportError(this.host, 'local', 'disconnected', 'connection is closed');
    const result = await runInOwnGroup(request.command, request.stdin, request.timeoutMs);
    if (result === 'timeout') throw new TransportError(this.host, 'local', 'timeout', `command timed out after ${request.timeoutMs} ms`);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
