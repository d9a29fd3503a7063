import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { TransportError, type Connection, type Hop } from './connection';
import { HandshakeThrottle } from './handshake-throttle';
import { IdentityStore, type PassphraseSource } from './identities';
import { startNoDelayOnJumpHost } from './jump-nodelay';
import { spawnProxyCommand } from './proxy-command';
import { parseSshConfig, resolveSshHost, type HostKeyPolicy, type ParsedSshConfig, type SshEndpoint } from './ssh-config';
import { SshConnection } from './ssh-connection';
import { classifyForwardFailure, ConnectFailure, describeEndpoint, endClient, onSessionGone, openSession } from './ssh-session';
import type { SshTarget } from './target';

export interface ConnectionPoolOptions {
  /** The OpenSSH config file for every target; overrides the target's own `sshConfigFile`. */
  sshConfigFile?: string;
  /** The known_hosts file every hop is checked against; overrides the target's `knownHostsFile` and UserKnownHostsFile. */
  knownHostsFile?: string;
  /** The caller's explicit choice (a CLI flag); when absent, the config's StrictHostKeyChecking (default accept-new). */
  strictHostKeyChecking?: HostKeyPolicy;
  /** Concurrent handshakes through one jump host or ProxyCommand (default 8, below sshd's MaxStartups 10). */
  maxHandshakesPerHop?: number;
  /** Attempts per connection for refused/timed-out hosts (default 4: a host that is still booting). */
  connectAttempts?: number;
  /** First retry delay; doubles each time (default 500 ms). */
  retryDelayMs?: number;
  /** When the config has no ConnectTimeout (default 10 s). */
  connectTimeoutMs?: number;
  /** When the config has no ServerAliveInterval (default 15 s). */
  keepaliveIntervalMs?: number;
  /** Default per-command timeout (none by default). */
  commandTimeoutMs?: number;
  /** ssh-agent socket; default SSH_AUTH_SOCK; null for no agent. */
  agentSocket?: string | null;
  passphrase?: PassphraseSource;
  /** Home directory for `~` and default identities (default the user's). */
  home?: string;
}

export interface PoolStats {
  /** Target hosts with an open connection. */
  targets: number;
  /** Open sessions to jump hosts (bastions), each shared by every target behind it. */
  jumpSessions: number;
  /** SSH handshakes completed, targets and jump hosts together (reconnects included). */
  handshakes: number;
  /** Connection attempts that were retried. */
  retries: number;
  /** Exec channels opened: one per run/putFile/readFile. */
  execs: number;
}

export interface ConnectionPool {
  connect(target: SshTarget): Promise<Connection>;
  closeAll(): Promise<void>;
  stats(): PoolStats;
}

export function createConnectionPool(options: ConnectionPoolOptions = {}): ConnectionPool {
  return new SshConnectionPool(options);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same TransportError, reworded for another host that shares the failed hop. */
function forHost(error: TransportError, host: string): TransportError {
  if (error.host === host) return error;
  return new TransportError(host, error.hop, error.kind, error.message.slice(error.host.length + 2), error.unreachable);
}

/** The last attempt's error, saying it was not the only one. */
function afterAttempts(error: TransportError, attempts: number): TransportError {
  return new TransportError(error.host, error.hop, error.kind, `${error.message.slice(error.host.length + 2)} (${attempts} attempts)`, error.unreachable);
}

class SshConnectionPool implements ConnectionPool {
  private readonly targets = new Map<string, Promise<SshConnection>>();
  private readonly jumps = new Map<string, Promise<Client>>();
  private readonly throttles = new Map<string, HandshakeThrottle>();
  private readonly configs = new Map<string, Promise<ParsedSshConfig>>();
  private readonly identities: IdentityStore;
  private readonly counters = { handshakes: 0, retries: 0, execs: 0, jumpSessions: 0 };
  private closing = false;

  constructor(private readonly options: ConnectionPoolOptions) {
    this.identities = new IdentityStore(options.passphrase);
  }

  connect(target: SshTarget): Promise<Connection> {
    if (this.closing) return Promise.reject(new TransportError(target.name, 'target', 'disconnected', 'the connection pool is closed'));
    // one connection per host and login user: a task's remote_user may differ from its play's
    const key = `${target.name}\0${target.user ?? ''}`;
    let pending = this.targets.get(key);
    if (!pending) {
      pending = this.connectTarget(target);
      // A failed host may be tried again later in the run (e.g. after it finished booting).
      pending.catch(() => this.targets.delete(key));
      this.targets.set(key, pending);
    }
    return pending;
  }

  private async connectTarget(target: SshTarget): Promise<SshConnection> {
    const endpoint = await this.resolve(target);
    const open = () => this.open(target.name, 'target', endpoint);
    const client = await open();
    return new SshConnection(target.name, client, {
      reopen: open,
      commandTimeoutMs: this.options.commandTimeoutMs,
      onExec: () => (this.counters.execs += 1),
    });
  }

  private async resolve(target: SshTarget): Promise<SshEndpoint> {
    const configFile = this.options.sshConfigFile ?? target.sshConfigFile;
    const parsed = configFile === undefined ? undefined : await this.loadConfig(target.name, path.resolve(configFile));
    return resolveSshHost(parsed, target.name, target, {
      home: this.options.home,
      knownHostsFile: this.options.knownHostsFile ?? target.knownHostsFile,
    });
  }

  private loadConfig(host: string, file: string): Promise<ParsedSshConfig> {
    let pending = this.configs.get(file);
    if (!pending) {
      pending = fs.readFile(file, 'utf8').then(
        (text) => parseSshConfig(file, text),
        (err: Error) => {
          this.configs.delete(file);
          throw new TransportError(host, 'target', 'config', `cannot read ssh config ${file}: ${err.message}`);
        },
      );
      this.configs.set(file, pending);
    }
    return pending;
  }

  /** Opens a session to one endpoint, retrying with backoff only what waiting can cure. */
  private async open(host: string, hop: Hop, endpoint: SshEndpoint): Promise<Client> {
    const attempts = this.options.connectAttempts ?? 4;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const client = await this.openOnce(host, hop, endpoint);
        this.counters.handshakes += 1;
        return client;
      } catch (err) {
        if (!(err instanceof ConnectFailure)) throw err;
        if (!err.retryable || attempt >= attempts || this.closing) throw attempt > 1 ? afterAttempts(err.error, attempt) : err.error;
        this.counters.retries += 1;
        await delay((this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1));
      }
    }
  }

  private openOnce(host: string, hop: Hop, endpoint: SshEndpoint): Promise<Client> {
    const session = { host, hop, endpoint, policy: this.options.strictHostKeyChecking ?? endpoint.hostKeyPolicy, identities: this.identities, agent: this.agent(), connectTimeoutMs: this.connectTimeout(endpoint), keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 15000 };
    const proxy = endpoint.proxy;
    switch (proxy.kind) {
      case 'direct':
        return openSession(session);
      case 'command':
        return this.throttle(`command:${proxy.template}`).use(() => {
          const proxyProcess = spawnProxyCommand(proxy.command);
          return openSession({ ...session, sock: proxyProcess.socket, proxy: proxyProcess });
        });
      case 'jump': {
        const key = jumpKey(proxy.via);
        return this.jumpSession(host, proxy.via).then((jump) => this.throttle(key).use(async () => openSession({ ...session, sock: await this.forward(host, hop, jump, proxy.via, endpoint) })));
      }
    }
  }

  /** The one shared session to a jump host, opened on first use; a failure is reported to every host behind it. */
  private async jumpSession(host: string, via: SshEndpoint): Promise<Client> {
    const key = jumpKey(via);
    let pending = this.jumps.get(key);
    if (!pending) {
      pending = this.open(via.alias, 'bastion', via).then(async (client) => {
        await startNoDelayOnJumpHost(client, this.connectTimeout(via));
        return client;
      });
      this.jumps.set(key, pending);
      pending.then(
        (client) => {
          this.counters.jumpSessions += 1;
          onSessionGone(client, () => {
            this.counters.jumpSessions -= 1;
            if (this.jumps.get(key) === pending) this.jumps.delete(key);
          });
        },
        () => {
          if (this.jumps.get(key) === pending) this.jumps.delete(key);
        },
      );
    }
    try {
      return await pending;
    } catch (err) {
      throw err instanceof TransportError ? forHost(err, host) : err;
    }
  }

  /** A direct-tcpip channel from the jump host to the endpoint, bounded by the connect timeout. */
  private forward(host: string, hop: Hop, jump: Client, via: SshEndpoint, endpoint: SshEndpoint): Promise<ClientChannel> {
    const fail = (kind: TransportError['kind'], message: string, retryable = false) =>
      new ConnectFailure(new TransportError(host, hop, kind, `${describeEndpoint(via)} could not reach ${hop} ${describeEndpoint(endpoint)}: ${message}`), retryable);
    const timeoutMs = this.connectTimeout(endpoint);
    return new Promise<ClientChannel>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(fail('timeout', `no answer within ${timeoutMs} ms`, true));
      }, timeoutMs);
      jump.forwardOut('127.0.0.1', 0, endpoint.hostName, endpoint.port, (err, channel) => {
        clearTimeout(timer);
        if (timedOut) return channel?.close();
        if (err) return reject(classifyForwardFailure(err.message, fail));
        resolve(channel);
      });
    });
  }

  private throttle(key: string): HandshakeThrottle {
    let throttle = this.throttles.get(key);
    if (!throttle) {
      throttle = new HandshakeThrottle(this.options.maxHandshakesPerHop ?? 8);
      this.throttles.set(key, throttle);
    }
    return throttle;
  }

  private agent(): string | undefined {
    if (this.options.agentSocket === null) return undefined;
    return this.options.agentSocket ?? process.env.SSH_AUTH_SOCK ?? undefined;
  }

  private connectTimeout(endpoint: SshEndpoint): number {
    return endpoint.connectTimeoutMs ?? this.options.connectTimeoutMs ?? 10000;
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    const targets = await Promise.allSettled([...this.targets.values()]);
    await Promise.all(targets.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
    this.targets.clear();
    const jumps = await Promise.allSettled([...this.jumps.values()]);
    await Promise.all(jumps.map((result) => (result.status === 'fulfilled' ? endClient(result.value) : undefined)));
    this.jumps.clear();
  }

  stats(): PoolStats {
    return { targets: this.targets.size, jumpSessions: this.counters.jumpSessions, handshakes: this.counters.handshakes, retries: this.counters.retries, execs: this.counters.execs };
  }
}

/** Jump sessions are shared by who they log in as, where, and by which route. */
function jumpKey(endpoint: SshEndpoint): string {
  const route = endpoint.proxy.kind === 'jump' ? ` via ${jumpKey(endpoint.proxy.via)}` : endpoint.proxy.kind === 'command' ? ` via command ${endpoint.proxy.command}` : '';
  return `${endpoint.user}@${endpoint.hostName}:${endpoint.port}${route}`;
}
