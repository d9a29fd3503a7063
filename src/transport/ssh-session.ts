import type { Duplex } from 'node:stream';
import { Client, type AgentAuthMethod, type ConnectConfig, type PublicKeyAuthMethod, type ServerHostKeyAlgorithm } from 'ssh2';
import { TransportError, type Hop } from './connection';
import { verifyHostKey } from './host-key-policy';
import { IdentityError, type IdentityStore } from './identities';
import { knownHostsName, preferredHostKeyAlgorithms, readKnownHostsFiles } from './known-hosts';
import type { ProxyProcess } from './proxy-command';
import type { HostKeyPolicy, SshEndpoint } from './ssh-config';

/** ssh2's own default list, which preferredHostKeyAlgorithms reorders per host. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

export interface OpenSessionRequest {
  /** The inventory host this session is (ultimately) for. */
  host: string;
  hop: Hop;
  endpoint: SshEndpoint;
  policy: HostKeyPolicy;
  identities: IdentityStore;
  /** ssh-agent socket, or undefined for none. */
  agent: string | undefined;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** An already-open byte stream to the server (forwarded channel or ProxyCommand); TCP otherwise. */
  sock?: Duplex;
  proxy?: ProxyProcess;
}

const closedClients = new WeakSet<Client>();

/**
 * Calls `gone` once when the session ends. Over a forwarded channel ssh2 may emit only 'end' (the
 * channel's EOF) and never 'close', so both count.
 */
export function onSessionGone(client: Client, gone: () => void): () => void {
  let called = false;
  const handler = () => {
    if (called) return;
    called = true;
    client.removeListener('end', handler);
    client.removeListener('close', handler);
    gone();
  };
  client.once('end', handler);
  client.once('close', handler);
  return () => {
    client.removeListener('end', handler);
    client.removeListener('close', handler);
  };
}

/** Ends a session and waits for its socket to close (bounded, so a dead peer cannot hang shutdown). */
export function endClient(client: Client): Promise<void> {
  if (closedClients.has(client)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

/** A failure to connect, and whether trying again later could help (a host still booting). */
export class ConnectFailure extends Error {
  constructor(
    readonly error: TransportError,
    readonly retryable: boolean,
  ) {
    super(error.message);
  }
}

export function describeEndpoint(endpoint: SshEndpoint): string {
  return `${endpoint.alias} (${endpoint.user}@${endpoint.hostName}:${endpoint.port})`;
}

/** Opens and authenticates one SSH session; every failure comes back as a ConnectFailure naming host and hop. */
export async function openSession(request: OpenSessionRequest): Promise<Client> {
  const { endpoint, host, hop } = request;
  const fail = (kind: TransportError['kind'], message: string, retryable = false) => new ConnectFailure(new TransportError(host, hop, kind, `${hop} ${describeEndpoint(endpoint)}: ${message}`), retryable);

  // Failing before the handshake starts must not leave the proxy process or the forwarded channel behind.
  const abandon = (failure: Error): never => {
    request.proxy?.kill();
    request.sock?.destroy();
    throw failure;
  };
  const keys = await request.identities.load(endpoint.identityFiles).catch((err: Error) => abandon(err instanceof IdentityError ? fail('config', err.message) : err));
  const agent = endpoint.identitiesOnly ? undefined : request.agent;
  if (keys.length === 0 && agent === undefined) abandon(fail('auth', `no usable key: none of ${endpoint.identityFiles.join(', ')} exists and no ssh-agent (SSH_AUTH_SOCK) is available`));
  const methods: Array<AgentAuthMethod | PublicKeyAuthMethod> = [
    ...(agent !== undefined ? [{ type: 'agent' as const, username: endpoint.user, agent }] : []),
    ...keys.map((key) => ({ type: 'publickey' as const, username: endpoint.user, key })),
  ];

  const knownEntries = await readKnownHostsFiles(endpoint.knownHostsFiles).catch((err: Error) => abandon(fail('config', `cannot read known_hosts: ${err.message}`)));
  const client = new Client();
  let refusal: TransportError | undefined;
  const config: ConnectConfig = {
    host: endpoint.hostName,
    port: endpoint.port,
    username: endpoint.user,
    sock: request.sock,
    authHandler: methods,
    readyTimeout: endpoint.connectTimeoutMs ?? request.connectTimeoutMs,
    keepaliveInterval: endpoint.serverAliveIntervalMs || request.keepaliveIntervalMs,
    keepaliveCountMax: endpoint.serverAliveCountMax,
    algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownEntries, knownHostsName(endpoint.hostKeyName, endpoint.port), HOST_KEY_ALGORITHMS) as ServerHostKeyAlgorithm[] },
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      verifyHostKey({ host, hop, endpoint, policy: request.policy, key }).then(
        (error) => {
          refusal = error;
          verify(error === undefined);
        },
        (err: Error) => {
          refusal = new TransportError(host, hop, 'config', `${hop} ${endpoint.alias}: cannot check known_hosts: ${err.message}`);
          verify(false);
        },
      );
    },
  };

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = async (err: (Error & { level?: string; code?: string }) | undefined) => {
      if (settled) return;
      settled = true;
      // The proxy's own end of the connection can reach us after ssh2 saw the socket close (a busy
      // machine reorders the events), so a lost socket counts as the proxy's doing too; a timeout,
      // an authentication or protocol failure is ours, and the proxy ends only because we hang up.
      const proxyEnded = request.proxy !== undefined && (request.proxy.endedConnection() || err === undefined || err.level === 'client-socket' || /lost before handshake/.test(err.message));
      client.end();
      if (refusal) return reject(new ConnectFailure(refusal, false));
      if (request.proxy && proxyEnded) {
        // Give the ProxyCommand a moment to be reaped, so its exit status and stderr are the message.
        const exit = await Promise.race([request.proxy.exited, new Promise<undefined>((done) => setTimeout(done, 3000, undefined))]);
        request.proxy.kill();
        // The proxy ended the connection before the session was ready, which waiting can cure as it
        // cures a refused connection (a bastion's MaxStartups dropping `ssh -W`, a jump host still
        // starting): retried, unless the command cannot run at all.
        const error = new TransportError(host, 'proxycommand', 'proxycommand', `ProxyCommand for ${hop} ${describeEndpoint(endpoint)} ${exit?.account ?? 'closed the connection'}`);
        return reject(new ConnectFailure(error, !exit?.unrunnable));
      }
      // Our own failure (a handshake timeout...): the proxy ends because we closed its input, and is not the cause.
      request.proxy?.kill();
      reject(classify(err, fail));
    };
    client.once('ready', () => {
      settled = true;
      client.on('error', () => undefined);
      onSessionGone(client, () => {
        closedClients.add(client);
        request.proxy?.kill();
      });
      resolve(client);
    });
    client.on('error', (err) => void settle(err));
    // The proxy may have died before ssh2 was listening to its socket.
    void request.proxy?.exited.then(() => settle(undefined));
    client.once('close', () => void settle(undefined));
    try {
      client.connect(config);
      // ssh2 leaves Nagle on. Each exec ends with our channel CLOSE, which the server never answers, so
      // the next exec's CHANNEL_OPEN waited for the server's delayed ACK (>= 40 ms on Linux): every
      // command on this socket, and on every target tunnelled through it, cost 40+ ms. No-op over a
      // forwarded channel or ProxyCommand, which have no TCP socket of their own.
      client.setNoDelay(true);
    } catch (err) {
      void settle(err as Error);
    }
  });
}

type Fail = (kind: TransportError['kind'], message: string, retryable?: boolean) => ConnectFailure;

function classify(err: (Error & { level?: string; code?: string }) | undefined, fail: Fail): ConnectFailure {
  if (!err) return fail('disconnected', 'the server closed the connection during the handshake', true);
  if (err.level === 'client-authentication') return fail('auth', 'authentication refused: the server accepted none of the keys offered');
  if (err.level === 'client-timeout') return fail('timeout', `timed out during the SSH handshake (${err.message})`, true);
  switch (err.code) {
    case 'ECONNREFUSED':
      return fail('refused', 'connection refused', true);
    case 'ETIMEDOUT':
      return fail('timeout', 'connection timed out', true);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail('refused', `no route to host (${err.code})`, true);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail('dns', `name does not resolve (${err.code})`, err.code === 'EAI_AGAIN');
    case 'ECONNRESET':
      return fail('disconnected', 'connection reset during the handshake', true);
  }
  return fail('disconnected', err.message);
}

/** A bastion's refusal to open a direct-tcpip channel, told apart by the reason text sshd sends. */
export function classifyForwardFailure(message: string, fail: Fail): ConnectFailure {
  if (/refused/i.test(message)) return fail('refused', `connection refused (${message})`, true);
  if (/timed out/i.test(message)) return fail('timeout', `connection timed out (${message})`, true);
  if (/no route|unreachable/i.test(message)) return fail('refused', `no route to host (${message})`, true);
  if (/unknown host|name or service|not known|getaddrinfo|name resolution/i.test(message)) return fail('dns', `name does not resolve (${message})`, /temporary/i.test(message));
  if (/prohibited/i.test(message)) return fail('refused', `the jump host does not allow forwarding (${message})`);
  return fail('refused', message, true);
}
