import type { Connection, PutOptions, ReadOptions, RunOptions, RunResult } from '../../transport/connection';

/** A connection that changes how commands run and passes everything else to the one it wraps. */
export abstract class ConnectionWrapper implements Connection {
  constructor(protected readonly inner: Connection) {}

  get host(): string {
    return this.inner.host;
  }

  abstract run(command: string, options?: RunOptions): Promise<RunResult>;

  putFile(remotePath: string, content: string | Buffer, options?: PutOptions): Promise<void> {
    return this.inner.putFile(remotePath, content, options);
  }

  readFile(remotePath: string, options?: ReadOptions): Promise<Buffer | null> {
    return this.inner.readFile(remotePath, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
