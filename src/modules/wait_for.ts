import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { waitForCommand } from './commands/wait-for';
import { run } from './support/host';

const args = z
  .object({
    host: z.string().regex(/^[A-Za-z0-9.:_-]+$/, 'not a host name or address').default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().min(1).optional(),
    search_regex: z.string().optional(),
    state: z.enum(['started', 'stopped', 'present', 'absent']).default('started'),
    timeout: z.number().int().nonnegative().default(300),
    delay: z.number().int().nonnegative().default(0),
    sleep: z.number().int().min(1).default(1),
    connect_timeout: z.number().int().min(1).default(5),
  })
  .strict()
  .refine((a) => (a.port === undefined) !== (a.path === undefined), { message: 'wait_for needs exactly one of port or path' })
  .refine((a) => a.search_regex === undefined || a.path !== undefined, { message: 'search_regex applies to path', path: ['search_regex'] });

type WaitForArgs = z.infer<typeof args>;

/** Waits on the host (never changes anything, so it also runs in check mode). */
export const wait_for: ModuleDefinition<WaitForArgs> = {
  name: 'wait_for',
  args,
  async run(a, ctx) {
    const what = a.port !== undefined ? `${a.host}:${a.port}` : (a.path as string);
    const result = await run(ctx, waitForCommand(a), { timeoutMs: (a.delay + a.timeout + a.connect_timeout + 30) * 1000 });
    const elapsed = Number(result.stdout.trim()) || 0;
    if (result.exitCode === 3) return { changed: false, failed: true, elapsed, msg: `Timeout when waiting for ${what} to be ${a.state} (${a.timeout}s)` };
    if (result.exitCode !== 0) throw new ModuleFailure(`wait_for ${what} failed on ${ctx.host} (exit ${result.exitCode}): ${result.stderr.trim()}`);
    return { changed: false, elapsed, state: a.state, ...(a.port !== undefined ? { port: a.port } : { path: a.path }) };
  },
};
