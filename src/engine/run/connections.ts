import type { Connection, PutOptions, ReadOptions, RunOptions, RunResult } from '../../transport/connection';
import { LocalConnection } from '../../transport/local-connection';
import type { ConnectionPool } from '../../transport/pool';
import type { Vars } from '../../data/vars';
import { sshTargetOf } from './ssh-target';

/** What the engine needs from the transport's connection pool. */
export type HostConnector = Pick<ConnectionPool, 'connect' | 'closeAll'>;

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * The run's connections: the pool for remote hosts, the controller itself for `delegate_to:
 * localhost` and for hosts with `ansible_connection: local`. A host is contacted only when a
 * module really talks to it (debug, set_fact... never open a connection).
 */
export class RunConnections {
  private readonly locals = new Map<string, LocalConnection>();

  /** `baseDir`: what relative `play_ssh_config`/`play_known_hosts` are relative to when a host has no `inventory_dir` (default the working directory). */
  constructor(
    private readonly connector: HostConnector,
    private readonly options: { baseDir?: string } = {},
  ) {}

  isLocal(name: string, vars: Vars): boolean {
    return LOCAL_NAMES.has(name) || vars.ansible_connection === 'local';
  }

  /** A connection that opens on first use; a failure to open is the TransportError of the first call. */
  forHost(name: string, vars: Vars): Connection {
    if (this.isLocal(name, vars)) return this.local(name);
    return new LazyConnection(name, () => this.connect(name, vars));
  }

  /**
   * Starts opening the host's connection now, so the handshake of a host a later play reaches
   * overlaps the work of the earlier ones. A failure is left for the first real use to meet and
   * report (the pool tries a failed host again).
   */
  warm(name: string, vars: Vars): void {
    if (!this.isLocal(name, vars)) this.connect(name, vars).catch(() => undefined);
  }

  /** For reboot: the pool's connection notices the drop and reconnects on its next use, so asking the pool again is enough. */
  reconnect(name: string, vars: Vars): (() => Promise<Connection>) | undefined {
    if (this.isLocal(name, vars)) return undefined;
    return () => this.connect(name, vars);
  }

  /** Async, so a bad connection variable fails the first use of the connection, as an unreachable host does. */
  private async connect(name: string, vars: Vars): Promise<Connection> {
    return this.connector.connect(sshTargetOf(name, vars, this.options.baseDir ?? process.cwd()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.locals.values()].map((c) => c.close()));
    await this.connector.closeAll();
  }

  private local(name: string): LocalConnection {
    let conn = this.locals.get(name);
    if (!conn) this.locals.set(name, (conn = new LocalConnection({ host: name })));
    return conn;
  }
}

class LazyConnection implements Connection {
  private opened?: Promise<Connection>;

  constructor(
    readonly host: string,
    private readonly open: () => Promise<Connection>,
  ) {}

  async run(command: string, options?: RunOptions): Promise<RunResult> {
    return (await this.connection()).run(command, options);
  }

  async putFile(remotePath: string, content: string | Buffer, options?: PutOptions): Promise<void> {
    return (await this.connection()).putFile(remotePath, content, options);
  }

  async readFile(remotePath: string, options?: ReadOptions): Promise<Buffer | null> {
    return (await this.connection()).readFile(remotePath, options);
  }

  async close(): Promise<void> {
    if (this.opened) await (await this.opened).close();
  }

  private connection(): Promise<Connection> {
    this.opened ??= this.open();
    return this.opened;
  }
}
