import type { Client, ClientChannel } from 'ssh2';
import { TransportError } from './connection';
import { Semaphore } from './semaphore';
import { ShellConnection, type ExecRequest, type ExecResult } from './shell-connection';
import { endClient, onSessionGone } from './ssh-session';

/** sshd's default MaxSessions is 10 per connection; stay below it whatever the caller does. */
const MAX_CHANNELS_PER_CONNECTION = 8;

export interface SshConnectionOptions {
  commandTimeoutMs?: number;
  /** Re-establishes the session after it dropped (a reboot), with the pool's retries. */
  reopen: () => Promise<Client>;
  /** Called once per exec channel: the round-trip count the benchmark reports. */
  onExec?: () => void;
}

/**
 * One host over one SSH session; every operation is one exec channel on it. When the session drops
 * (the host rebooted), the next operation reconnects; operations in flight fail as 'disconnected'.
 */
export class SshConnection extends ShellConnection {
  private client: Client;
  private alive = true;
  private closed = false;
  private reopening: Promise<Client> | undefined;
  private readonly channels = new Semaphore(MAX_CHANNELS_PER_CONNECTION);

  constructor(
    host: string,
    client: Client,
    private readonly options: SshConnectionOptions,
  ) {
    super(host, 'target', options.commandTimeoutMs);
    this.client = client;
    this.watch(client);
  }

  private watch(client: Client): void {
    onSessionGone(client, () => {
      if (this.client === client) this.alive = false;
    });
  }

  private async session(): Promise<Client> {
    if (this.closed) throw new TransportError(this.host, 'target', 'disconnected', 'connection is closed');
    if (this.alive) return this.client;
    this.reopening ??= this.options.reopen().then(
      (client) => {
        this.client = client;
        this.alive = true;
        this.watch(client);
        this.reopening = undefined;
        return client;
      },
      (err: unknown) => {
        this.reopening = undefined;
        throw err;
      },
    );
    return this.reopening;
  }

  protected async exec(request: ExecRequest): Promise<ExecResult> {
    const client = await this.session();
    return this.channels.use(() => this.execOn(client, request));
  }

  private execOn(client: Client, request: ExecRequest): Promise<ExecResult> {
    this.options.onExec?.();
    return new Promise<ExecResult>((resolve, reject) => {
      const refused = (err: Error) => reject(new TransportError(this.host, 'target', 'disconnected', `cannot open a channel: ${err.message}`));
      try {
        // ssh2 does not always close a channel's stream when the whole session drops; the session's close settles it.
        const settled = onSessionGone(client, () => reject(new TransportError(this.host, 'target', 'disconnected', 'the connection dropped before the command finished')));
        client.exec(request.command, (err, stream) => {
          if (err) {
            settled();
            return refused(err);
          }
          this.collect(stream, request).then(resolve, reject).finally(settled);
        });
      } catch (err) {
        // ssh2 throws when the socket is already gone but 'close' has not been emitted yet.
        if (this.client === client) this.alive = false;
        refused(err as Error);
      }
    });
  }

  private collect(stream: ClientChannel, request: ExecRequest): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let exitCode: number | undefined;
      let signal: string | undefined;
      // sshd closes the channel only when the command is gone; the caller is answered at once, the kill and close follow.
      const timer = request.timeoutMs === undefined ? undefined : setTimeout(() => {
        reject(new TransportError(this.host, 'target', 'timeout', `command timed out after ${request.timeoutMs} ms`));
        stream.signal('KILL');
        stream.close();
      }, request.timeoutMs);
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null, signalName?: string) => {
        exitCode = code ?? 255;
        if (signalName) signal = signalName;
      });
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        if (exitCode === undefined) return reject(new TransportError(this.host, 'target', 'disconnected', 'the connection dropped before the command finished'));
        resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode, ...(signal !== undefined ? { signal } : {}) });
      });
      stream.end(request.stdin ?? '');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await endClient(this.client);
  }
}
