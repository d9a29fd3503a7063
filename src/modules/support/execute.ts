import { z } from 'zod';
import type { RunResult } from '../../transport/connection';
import type { ModuleContext, ModuleResult } from '../module';
import { guardProbeCommand, guardReason } from '../commands/exec';
import { run, runOk } from './host';

/** Options command and shell share (Ansible's names). */
export const execOptions = {
  cmd: z.string().min(1).optional(),
  creates: z.string().min(1).optional(),
  removes: z.string().min(1).optional(),
  chdir: z.string().min(1).optional(),
  stdin: z.string().optional(),
  stdin_add_newline: z.boolean().default(true),
};

type ExecOptions = z.infer<z.ZodObject<typeof execOptions>>;

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * Runs a command for command/shell: reported changed (it is unknown what it did) unless creates or
 * removes says it has run already; a non-zero exit is a failed result carrying rc/stdout/stderr for `register`.
 */
export async function execute(ctx: ModuleContext, a: ExecOptions, line: string): Promise<ModuleResult> {
  if (a.creates !== undefined || a.removes !== undefined) {
    const probe = await runOk(ctx, guardProbeCommand(a.creates, a.removes), 'checking creates/removes');
    const reason = guardReason(probe.stdout, a.creates, a.removes);
    if (reason !== undefined) return { changed: false, rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], msg: reason, cmd: line };
  }
  if (ctx.check) return { changed: true, msg: 'Command would have run if not in check mode', cmd: line };
  const stdin = a.stdin === undefined ? undefined : a.stdin + (a.stdin_add_newline ? '\n' : '');
  const started = Date.now();
  const result = await run(ctx, line, { stdin, last: true });
  return commandResult(line, result, Date.now() - started);
}

/** The result of a command that ran (also of a finished `async` job): changed, failed on a non-zero exit. */
export function commandResult(line: string | undefined, result: RunResult, deltaMs?: number): ModuleResult {
  const failed = result.exitCode !== 0;
  return {
    changed: true,
    ...(failed ? { failed, msg: `non-zero return code ${result.exitCode}` } : {}),
    ...(line === undefined ? {} : { cmd: line }),
    rc: result.exitCode,
    stdout: result.stdout.replace(/\n$/, ''),
    stderr: result.stderr.replace(/\n$/, ''),
    stdout_lines: lines(result.stdout),
    stderr_lines: lines(result.stderr),
    ...(deltaMs === undefined ? {} : { delta_ms: deltaMs }),
  };
}
