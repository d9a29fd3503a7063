import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../base/atomic-write';
import { fileProbeCommand, parseFileProbe } from './commands/file-probe';
import { becomeOptions, runOk } from './support/host';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';

const args = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    /** dest is the file itself (or a directory ending in '/' that receives the file by its name), not dest/<host>/<src>. */
    flat: z.boolean().default(false),
    fail_on_missing: z.boolean().default(true),
    /** Check that the bytes received are the bytes the host had (a file written during the transfer fails). */
    validate_checksum: z.boolean().default(true),
  })
  .strict();

type FetchArgs = z.infer<typeof args>;

// Ansible's fetch reports sha1 checksums; the same here so registered results compare.
const sha1 = (content: Buffer): string => createHash('sha1').update(content).digest('hex');

/**
 * Where the file lands on the controller, as Ansible's fetch: dest/<inventory_hostname>/<src path>,
 * or with flat dest itself (dest/ + the file's name when dest ends in '/'). A relative dest is the
 * playbook's directory's. A src whose `..` would climb out of dest/<host> is refused.
 */
function localDestination(a: FetchArgs, ctx: ModuleContext): string {
  const playbookDir = typeof ctx.vars.playbook_dir === 'string' ? ctx.vars.playbook_dir : process.cwd();
  const dest = path.resolve(playbookDir, a.dest);
  if (a.flat) return a.dest.endsWith('/') ? path.join(dest, path.posix.basename(a.src)) : dest;
  const hostDir = path.join(dest, ctx.host);
  const file = path.join(hostDir, a.src);
  if (!file.startsWith(`${hostDir}${path.sep}`)) throw new ModuleFailure(`fetch: src ${a.src} would be written outside ${hostDir}`);
  return file;
}

function localChecksum(file: string): string | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  if (!stat.isFile()) throw new ModuleFailure(`fetch: ${file} on the controller is not a regular file`);
  return sha1(readFileSync(file));
}

/**
 * Copies one file from the host to the controller (Ansible's ansible.builtin.fetch). The host's file
 * is probed first (type and checksum, with the task's become, so root-only files can be fetched) and
 * read through the connection only when the controller's copy differs; it is written atomically (a
 * new file 0600, since what is fetched is often a dump or a key; an existing one keeps its mode).
 * Check mode reads and writes nothing.
 */
export const fetchModule: ModuleDefinition<FetchArgs> = {
  name: 'fetch',
  args,
  async run(a, ctx): Promise<ModuleResult> {
    const dest = localDestination(a, ctx);
    const probe = parseFileProbe((await runOk(ctx, fileProbeCommand(a.src, { follow: true, checksum: 'sha1' }), `probing ${a.src}`)).stdout);
    if (!probe.exists) {
      const msg = `fetch: the remote file ${a.src} does not exist on ${ctx.host}`;
      if (a.fail_on_missing) throw new ModuleFailure(msg, { file: a.src });
      return { changed: false, msg, file: a.src };
    }
    if (probe.type === 'directory') throw new ModuleFailure(`fetch: ${a.src} on ${ctx.host} is a directory; fetch copies one file`, { file: a.src });
    if (probe.type !== 'file' || probe.checksum === undefined) {
      throw new ModuleFailure(`fetch: ${a.src} on ${ctx.host} is ${probe.type === 'file' ? 'not readable (become?)' : `a ${probe.type ?? 'special file'}`}`, { file: a.src });
    }
    const result: ModuleResult = { changed: false, file: a.src, dest, remote_checksum: probe.checksum, checksum: localChecksum(dest) };
    if (result.checksum === probe.checksum) return result;
    result.changed = true;
    if (ctx.check) return result;

    const content = await ctx.conn.readFile(a.src, becomeOptions(ctx));
    if (content === null) throw new ModuleFailure(`fetch: ${a.src} disappeared from ${ctx.host} while it was being fetched`, { file: a.src });
    const received = sha1(content);
    if (a.validate_checksum && received !== probe.checksum) {
      throw new ModuleFailure(`fetch: ${a.src} on ${ctx.host} changed while it was being fetched (checksum mismatch); nothing was written`, { file: a.src });
    }
    if (!existsSync(path.dirname(dest))) mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
    writeFileAtomic(dest, content, { mode: 0o600, keepMode: true });
    return { ...result, checksum: received };
  },
};
