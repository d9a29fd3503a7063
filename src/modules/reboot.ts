import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import type { Connection } from '../transport/connection';
import { becomeOptions } from './support/host';
import { argv } from './support/shell';

const args = z
  .object({
    /** Seconds to wait for the host to come back (booted again and answering test_command). */
    reboot_timeout: z.number().int().positive().default(600),
    pre_reboot_delay: z.number().int().nonnegative().default(0),
    post_reboot_delay: z.number().int().nonnegative().default(0),
    test_command: z.string().min(1).default('whoami'),
    msg: z.string().default('Reboot initiated by play'),
  })
  .strict();

type RebootArgs = z.infer<typeof args>;

const BOOT_ID = 'cat /proc/sys/kernel/random/boot_id';

async function bootId(conn: Connection, ctx: ModuleContext): Promise<string> {
  const result = await conn.run(BOOT_ID, becomeOptions(ctx));
  if (result.exitCode !== 0) throw new ModuleFailure(`cannot read the boot id of ${ctx.host}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * Reboots and waits until the host is back: back means a NEW boot id (a host that merely has not
 * gone down yet still answers with the old one) and the test command succeeding.
 */
export const reboot: ModuleDefinition<RebootArgs> = {
  name: 'reboot',
  args,
  async run(a, ctx) {
    if (ctx.check) return { changed: true, rebooted: false, msg: 'would reboot' };
    if (!ctx.reconnect) throw new ModuleFailure('reboot needs the engine to provide ctx.reconnect (a way to reach the host again)');
    const before = await bootId(ctx.conn, ctx);
    const started = Date.now();
    // Detached and delayed by a second, so this command's channel closes cleanly before sshd goes away.
    const trigger = `nohup sh -c ${argv(`sleep ${1 + a.pre_reboot_delay}; systemctl reboot --message=${argv(a.msg)} || reboot`)} >/dev/null 2>&1 &`;
    const issued = await ctx.conn.run(trigger, becomeOptions(ctx));
    if (issued.exitCode !== 0) throw new ModuleFailure(`could not start the reboot of ${ctx.host}: ${issued.stderr.trim()}`);

    const deadline = started + (a.pre_reboot_delay + a.reboot_timeout) * 1000;
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      await sleep(1000);
      try {
        const conn = await ctx.reconnect();
        if ((await bootId(conn, ctx)) === before) continue;
        const test = await conn.run(a.test_command, becomeOptions(ctx));
        if (test.exitCode === 0) {
          const downtime = (Date.now() - started) / 1000;
          if (a.post_reboot_delay > 0) await sleep(a.post_reboot_delay * 1000);
          return { changed: true, rebooted: true, elapsed: Math.round(downtime), downtime_seconds: Number(downtime.toFixed(1)) };
        }
        lastError = `test_command exited ${test.exitCode}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    throw new ModuleFailure(`${ctx.host} did not come back within ${a.reboot_timeout}s after reboot (last: ${lastError})`);
  },
};
