/**
 * The contract between play's transport and everything above it (the playbook engine and the
 * modules). Nothing above this file knows about SSH: a module sees a Connection, never a socket.
 */

/** How a command is run on the host. */
export interface RunOptions {
  /** Bytes written to the command's standard input, then closed. */
  stdin?: string | Buffer;
  /** Run through `sudo -n` (non-interactive). */
  become?: boolean;
  /** The user sudo switches to; root when omitted. */
  becomeUser?: string;
  /** Kill the command and fail with kind 'timeout' after this long. */
  timeoutMs?: number;
  /** Working directory for the command. */
  cwd?: string;
  /** Extra environment variables, set for this command only. */
  env?: Record<string, string>;
  /**
   * The caller's last operation for its task (command, shell): the engine may send the probes of
   * the tasks after it in the same round trip, to run right after it. Transports ignore it.
   */
  last?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** The exit status; 255 when the command was killed by a signal. */
  exitCode: number;
  signal?: string;
}

/** How a file is written. The write is atomic: the destination is the old file or the new one, never a mix. */
export interface PutOptions {
  /** Octal string ('0644') or number. Applied to the temporary file before it replaces the destination. */
  mode?: string | number;
  owner?: string;
  group?: string;
  /**
   * A command run on the temporary file before it replaces the destination; `%s` stands for the
   * temporary file's path (e.g. `nginx -t -c %s`, `sshd -t -f %s`, `visudo -cf %s`). A non-zero exit
   * leaves the destination untouched and removes the temporary file.
   */
  validate?: string;
  become?: boolean;
  becomeUser?: string;
}

export interface ReadOptions {
  become?: boolean;
  becomeUser?: string;
}

/** One host, reached once for the whole run; each call is a channel on that one connection. */
export interface Connection {
  /** The inventory name of the host this connection reaches. */
  readonly host: string;
  run(command: string, options?: RunOptions): Promise<RunResult>;
  /** Write a whole file atomically (temporary file in the same directory, then rename). */
  putFile(remotePath: string, content: string | Buffer, options?: PutOptions): Promise<void>;
  /** Read a whole file; `null` when it does not exist. */
  readFile(remotePath: string, options?: ReadOptions): Promise<Buffer | null>;
  close(): Promise<void>;
}

/** Which part of the path to a host failed. */
export type Hop = 'bastion' | 'target' | 'proxycommand' | 'local';

export type TransportErrorKind =
  | 'auth' // the server refused every key we offered
  | 'hostkey-changed' // the host presented a key that differs from known_hosts
  | 'hostkey-unknown' // StrictHostKeyChecking=yes and the host is not in known_hosts
  | 'refused' // TCP connection refused (or the bastion could not open the channel)
  | 'timeout' // connect or command timed out
  | 'dns' // the name did not resolve
  | 'proxycommand' // the ProxyCommand exited
  | 'disconnected' // the connection dropped while in use
  | 'become' // sudo refused (e.g. a password is required)
  | 'config'; // the ssh config or the target's settings are unusable

/**
 * Every transport failure names the host and the hop. `unreachable` is true for failures that mean
 * the host cannot be used at all (the engine reports it as UNREACHABLE, exit code 4); false for
 * failures of one operation on a reachable host (e.g. `become`, a command timeout).
 */
export class TransportError extends Error {
  constructor(
    readonly host: string,
    readonly hop: Hop,
    readonly kind: TransportErrorKind,
    message: string,
    readonly unreachable: boolean = kind !== 'become' && kind !== 'timeout',
  ) {
    super(`${host}: ${message}`);
    this.name = 'TransportError';
  }
}
