import type { PutOptions, ReadOptions, RunOptions, RunResult } from '../../transport/connection';
import { ModuleFailure, type ModuleContext } from '../module';

/** The task's privilege escalation, for every call a module makes on the host. */
export function becomeOptions(ctx: ModuleContext): RunOptions & PutOptions & ReadOptions {
  return ctx.become ? { become: true, becomeUser: ctx.becomeUser } : {};
}

export function run(ctx: ModuleContext, command: string, options: RunOptions = {}): Promise<RunResult> {
  return ctx.conn.run(command, { ...becomeOptions(ctx), ...options });
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a command that must succeed; a failure names what was being done, the command, its exit code and stderr. */
export async function runOk(ctx: ModuleContext, command: string, what: string, options: RunOptions = {}): Promise<RunResult> {
  const result = await run(ctx, command, options);
  if (result.exitCode !== 0) {
    const stderr = tail(result.stderr || result.stdout);
    throw new ModuleFailure(`${what} failed on ${ctx.host} (exit ${result.exitCode}): ${stderr}`, {
      cmd: command,
      rc: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return result;
}
