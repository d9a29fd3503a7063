import type { PutOptions, ReadOptions, RunOptions, RunResult } from '../../transport/connection';
import { fileProbeCommand, type FileProbeOptions } from '../commands/file-probe';
import { ModuleFailure, type ModuleContext, type ProbeRequest } from '../module';

/**
 * Where commands run: a module's context, or a bare connection (`{ conn }`, for the engine's
 * async jobs), named in failures by the task's host when there is one.
 */
export type CommandTarget = Pick<ModuleContext, 'conn'> & Partial<Pick<ModuleContext, 'host' | 'become' | 'becomeUser'>>;

/** The task's privilege escalation, for every call a module makes on the host. */
export function becomeOptions(ctx: CommandTarget): RunOptions & PutOptions & ReadOptions {
  return ctx.become ? { become: true, becomeUser: ctx.becomeUser } : {};
}

export function run(ctx: CommandTarget, command: string, options: RunOptions = {}): Promise<RunResult> {
  return ctx.conn.run(command, { ...becomeOptions(ctx), ...options });
}

/** The probe `run(ctx, command, options)` (and so `runOk`) will issue, for a module's `probe`. */
export function probeRun(ctx: CommandTarget, command: string, options: RunOptions = {}): ProbeRequest {
  return { kind: 'run', command, options: { ...becomeOptions(ctx), ...options } };
}

/** The probe `run(ctx, fileProbeCommand(path, options))` will issue, marked so a batch can answer it with other paths'. */
export function probeFile(ctx: CommandTarget, path: string, options: FileProbeOptions = {}): ProbeRequest {
  return { ...probeRun(ctx, fileProbeCommand(path, options)), joint: { family: 'file', spec: { path, options } } };
}

/** The probe `ctx.conn.readFile(path, becomeOptions(ctx))` will issue. */
export function probeRead(ctx: CommandTarget, path: string): ProbeRequest {
  return { kind: 'read', path, options: becomeOptions(ctx) };
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a command that must succeed; a failure names what was being done, the command, its exit code and stderr. */
export async function runOk(ctx: CommandTarget, command: string, what: string, options: RunOptions = {}): Promise<RunResult> {
  const result = await run(ctx, command, options);
  if (result.exitCode !== 0) {
    const stderr = tail(result.stderr || result.stdout);
    throw new ModuleFailure(`${what} failed on ${ctx.host ?? ctx.conn.host} (exit ${result.exitCode}): ${stderr}`, {
      cmd: command,
      rc: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return result;
}
