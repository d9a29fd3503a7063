import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { treeResidentBytes } from './process-tree';

/** One whole-process run of a tool: wall time, memory, exit code and everything it printed. */
export interface TimedRun {
  seconds: number;
  /** Peak of the summed RSS of the runner and every process under it, sampled every SAMPLE_MS. */
  peakTreeBytes: number;
  /** GNU time's %M: the largest RSS of any single process of the run (exact, not sampled). */
  peakProcessBytes: number;
  /**
   * GNU time's %U + %S: user + system CPU seconds of the runner and every descendant it reaped
   * (exact, not sampled). Processes that detach from the run (ssh ControlPersist masters) are not in it.
   */
  cpuSeconds: number;
  code: number;
  output: string;
}

export interface RunSpec {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** When set, everything the run printed is also written here (for profiling a slow run afterwards). */
  logFile?: string;
}

const SAMPLE_MS = 50;
const GNU_TIME = '/usr/bin/time';

export function timedRun(spec: RunSpec): Promise<TimedRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'pb-time-'));
  const timeFile = path.join(scratch, 'usage');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, spec.command, ...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let peakTreeBytes = 0;
    const sample = () => (peakTreeBytes = Math.max(peakTreeBytes, treeResidentBytes(child.pid!)));
    const sampler = setInterval(sample, SAMPLE_MS);
    const timer = setTimeout(() => child.kill('SIGTERM'), spec.timeoutMs ?? 1_800_000);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => {
      clearInterval(sampler);
      clearTimeout(timer);
      rmSync(scratch, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      clearTimeout(timer);
      // The last line: GNU time writes "Command exited with non-zero status" above it.
      const [maxKb, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      rmSync(scratch, { recursive: true, force: true });
      if (spec.logFile) {
        mkdirSync(path.dirname(spec.logFile), { recursive: true });
        writeFileSync(spec.logFile, `$ ${spec.command} ${spec.args.join(' ')}\n# ${seconds.toFixed(2)} s, exit ${code}\n${output}`);
      }
      resolve({ seconds, peakTreeBytes, peakProcessBytes: maxKb * 1024, cpuSeconds: user + system, code: code ?? -1, output });
    });
  });
}
