import { spawn } from 'node:child_process';
import path from 'node:path';
import type { HostStats, RunEvent } from '../../../src/engine/output/events';

/** The built CLI (`npm run build`), run exactly as an operator runs it, with `--json` events. */
const PLAY = path.resolve(__dirname, '../../../bin/play.js');

export interface PlayRun {
  code: number;
  events: RunEvent[];
  recap: Record<string, HostStats>;
  /** Everything the run printed (events and stderr), for failure messages and secret checks. */
  output: string;
  seconds: number;
}

export interface PlayOptions {
  cwd: string;
  /** Called for each event as it arrives (e.g. to act on a host mid-run). */
  onEvent?: (event: RunEvent) => void;
  timeoutMs?: number;
}

export function runPlay(args: string[], options: PlayOptions): Promise<PlayRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLAY, ...args, '--json'], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: RunEvent[] = [];
    let output = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 900_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim())) {
        const event = JSON.parse(line) as RunEvent;
        events.push(event);
        options.onEvent?.(event);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const recap = events.find((e): e is Extract<RunEvent, { type: 'recap' }> => e.type === 'recap');
      resolve({ code: code ?? -1, events, recap: recap?.stats ?? {}, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

export type HostResult = Extract<RunEvent, { type: 'host_result' }>;

export function hostResults(run: PlayRun): HostResult[] {
  return run.events.filter((e): e is HostResult => e.type === 'host_result');
}

/** "host: task" for every changed result, so an idempotence failure says what changed. */
export function changedTasks(run: PlayRun): string[] {
  return hostResults(run)
    .filter((r) => r.status === 'changed')
    .map((r) => `${r.host}: ${r.task}${r.item === undefined ? '' : ` (${JSON.stringify(r.item)})`}`);
}

/** Failed and unreachable results with their messages, for assertion output. */
export function failures(run: PlayRun): string[] {
  return hostResults(run)
    .filter((r) => (r.status === 'failed' && !r.ignored) || r.status === 'unreachable')
    .map((r) => `${r.host}: ${r.task}: ${r.status}: ${r.failure?.msg ?? ''} ${r.failure?.stderr ?? ''}`.trim());
}
