import { spawn } from 'node:child_process';

export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit codes that are not an error (e.g. "already gone" during teardown). */
  okCodes?: number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a program (no shell, so no quoting bugs) and fails with its stderr when it fails. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new LabError(`${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      const exit = code ?? 128;
      if (exit === 0 || (options.okCodes ?? []).includes(exit)) return resolve({ stdout, stderr, code: exit });
      const why = signal ? `killed by ${signal}` : `exit ${exit}`;
      reject(new LabError(`${command} ${args.join(' ')}: ${why}\n${(stderr || stdout).trim().split('\n').slice(-15).join('\n')}`));
    });
    // A program that exits without reading its input is judged by its exit code, not by EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like run, but a failure is a result, not an exception. */
export async function tryRun(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    return await run(command, args, options);
  } catch (err) {
    return { stdout: '', stderr: (err as Error).message, code: 1 };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() returns a value, or fails after timeoutMs naming what was awaited. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new LabError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(200);
  }
}

/** Runs work for every item, at most `limit` at a time. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}
