import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';

const STDERR_LIMIT = 4096;

export interface ProxyProcess {
  /** The command's stdin/stdout as the SSH socket. */
  socket: Duplex;
  /** Resolves when the command exits, with a one-line account of why (exit status and its stderr). */
  exited: Promise<string>;
  hasExited(): boolean;
  kill(): void;
}

/** Spawns a ProxyCommand as OpenSSH does (`sh -c "exec COMMAND"`); the child is ours, killed by its PID. */
export function spawnProxyCommand(command: string): ProxyProcess {
  const child: ChildProcess = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let done = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => {
      done = true;
      resolve(`could not start: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      done = true;
      const status = signal ? `killed by ${signal}` : `exited with status ${code}`;
      const detail = stderr.trim().slice(0, STDERR_LIMIT);
      resolve(detail ? `${status}: ${detail}` : status);
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
    hasExited: () => done,
    kill: () => {
      if (!done) child.kill('SIGTERM');
    },
  };
}
