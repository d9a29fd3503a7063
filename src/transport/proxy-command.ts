import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';

const STDERR_LIMIT = 4096;

export interface ProxyExit {
  /** One line: the exit status and the command's stderr. */
  account: string;
  /** The command could not be run at all (not found, not executable): no second attempt can help. */
  unrunnable: boolean;
}

export interface ProxyProcess {
  /** The command's stdin/stdout as the SSH socket. */
  socket: Duplex;
  /** Resolves when the command exits. */
  exited: Promise<ProxyExit>;
  /**
   * Whether the command ended the connection itself (closed its output, or exited). Ending our
   * side ends any ProxyCommand too, so this is what tells its failure from ours, asked before.
   */
  endedConnection(): boolean;
  kill(): void;
}

/** Spawns a ProxyCommand as OpenSSH does (`sh -c "exec COMMAND"`); the child is ours, killed by its PID. */
export function spawnProxyCommand(command: string): ProxyProcess {
  const child: ChildProcess = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let done = false;
  let ended = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8');
  });
  child.stdout!.once('end', () => (ended = true));
  child.once('exit', () => (ended = true));
  const exited = new Promise<ProxyExit>((resolve) => {
    child.on('error', (err) => {
      done = ended = true;
      resolve({ account: `could not start: ${err.message}`, unrunnable: true });
    });
    child.on('close', (code, signal) => {
      done = true;
      const status = signal ? `killed by ${signal}` : `exited with status ${code}`;
      const detail = stderr.trim().slice(0, STDERR_LIMIT);
      // The shell's own statuses for a command it could not find (127) or execute (126).
      resolve({ account: detail ? `${status}: ${detail}` : status, unrunnable: code === 126 || code === 127 });
    });
  });
  // The SSH layer writes after the proxy died; that surfaces through `exited`, not as an unhandled EPIPE.
  child.stdin!.on('error', () => undefined);
  const socket = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  socket.on('error', () => undefined);
  // A dead proxy is a dead socket: without this the SSH layer would wait for its handshake timeout.
  void exited.then(() => socket.destroy());
  return {
    socket,
    exited,
    endedConnection: () => ended,
    kill: () => {
      if (!done) child.kill('SIGTERM');
    },
  };
}
