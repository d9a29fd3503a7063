import { posix } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import { parseFileProbe } from './commands/file-probe';
import {
  mountCommand,
  mountProbeCommand,
  parseMountProbe,
  remountCommand,
  setMount,
  umountCommand,
  unsetMount,
  type FstabEdit,
  type MountCommandArgs,
} from './commands/fstab';
import { ensureFile, probeDestination } from './support/file-content';
import { run, runOk } from './support/host';
import { argv } from './support/shell';

const STATES_NEEDING_SOURCE = ['mounted', 'present', 'ephemeral'];
/** dump and passno are strings in Ansible's spec: `dump: 0` and `dump: '0'` are the same field. */
const fstabNumber = z.union([z.string(), z.number().int()]).transform(String);

const args = z
  .object({
    path: z.string().min(1),
    src: z.string().min(1).optional(),
    fstype: z.string().min(1).optional(),
    opts: z.string().min(1).optional(),
    dump: fstabNumber.default('0'),
    passno: fstabNumber.default('0'),
    fstab: z.string().min(1).optional(),
    boot: z.boolean().default(true),
    backup: z.boolean().default(false),
    state: z.enum(['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted', 'ephemeral']),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!STATES_NEEDING_SOURCE.includes(a.state)) return;
    const missing = (['src', 'fstype'] as const).filter((key) => a[key] === undefined);
    if (missing.length > 0) ctx.addIssue({ code: 'custom', path: [missing[0]], message: `state is ${a.state} but all of the following are missing: ${missing.join(', ')}` });
  });

type MountArgs = z.infer<typeof args>;

/** What Ansible derives from the arguments: the fstab entry's fields, `noauto` for boot: false, and its warnings. */
function entryOf(a: MountArgs): MountCommandArgs & { dump: string; passno: string; boot: 'yes' | 'no'; warnings: string[] } {
  const warnings: string[] = [];
  let opts = a.opts ?? 'defaults';
  let boot: 'yes' | 'no' = 'yes';
  const list = opts.split(',');
  if (list.includes('noauto')) warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
  else if (!a.boot) {
    boot = 'no';
    if (list.includes('defaults')) warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
    else opts = [...list, 'noauto'].join(',');
  }
  return { name: a.path, src: a.src, fstype: a.fstype, opts, dump: a.dump, passno: a.passno, fstab: a.fstab ?? '/etc/fstab', boot, warnings, ephemeral: a.state === 'ephemeral' };
}

/** Runs mount/umount; returns its message on failure (Ansible's `out + err`), undefined on success. */
async function attempt(ctx: ModuleContext, command: string): Promise<string | undefined> {
  const result = await run(ctx, command);
  return result.exitCode === 0 ? undefined : `${result.stdout}${result.stderr}`.trim();
}

/** Ansible's remount: `mount -o remount`, and when that fails, umount then mount. */
async function remount(ctx: ModuleContext, a: MountArgs, entry: MountCommandArgs): Promise<string | undefined> {
  const failed = await attempt(ctx, remountCommand(entry, a.state === 'remounted'));
  if (failed === undefined) return undefined;
  if (a.state === 'remounted' && entry.opts !== 'defaults') {
    throw new ModuleFailure(
      'Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. ' +
        'Try replacing this command with a "state: unmounted" followed by a "state: mounted" using the full desired mount options instead.',
    );
  }
  return (await attempt(ctx, umountCommand(entry.name))) ?? (await attempt(ctx, mountCommand(entry)));
}

/** Directories `mkdir -p` would create for `path`, outermost first (to remove them again if the mount fails). */
async function createMountPoint(ctx: ModuleContext, path: string): Promise<string[]> {
  const script = `for d in "$@"; do [ -e "$d" ] || { mkdir -- "$d" && printf '%s\\n' "$d"; } || exit 1; done`;
  const parts = posix.resolve('/', path).split('/').filter((p) => p !== '');
  const chain = parts.map((_, i) => `${path.startsWith('/') ? '/' : ''}${parts.slice(0, i + 1).join('/')}`);
  const { stdout } = await runOk(ctx, `sh -c ${argv(script)} sh ${argv(...chain)}`, `creating mount point ${path}`);
  return stdout.split('\n').filter((d) => d !== '');
}

export const mount: ModuleDefinition<MountArgs> = {
  name: 'mount',
  args,
  aliases: { name: 'path' },
  async run(a, ctx) {
    const entry = entryOf(a);
    const probeOut = (await runOk(ctx, mountProbeCommand(entry.fstab, a.path), `probing ${a.path} and ${entry.fstab}`)).stdout;
    const { mounts, point } = parseMountProbe(probeOut);
    const isMounted = mounts.has(a.path);
    const { name, src, fstype, opts, dump, passno, fstab, boot, warnings } = entry;
    /** Ansible's return values: the entry's fields, backup_file, warnings; the diff of fstab when asked. */
    const result = (changed: boolean, written?: ModuleResult): ModuleResult => ({
      changed,
      name,
      src,
      fstype,
      opts,
      dump,
      passno,
      fstab,
      boot,
      backup_file: (written?.backup_file as string | undefined) ?? '',
      ...(written?.diff ? { diff: written.diff } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    });

    // Ansible creates a missing fstab (and its directory) first, for every state but ephemeral.
    let fstabProbe = parseFileProbe(probeOut);
    if (!fstabProbe.exists && a.state !== 'ephemeral' && !ctx.check) {
      await runOk(ctx, `mkdir -p -- ${argv(posix.dirname(entry.fstab))} && touch -- ${argv(entry.fstab)}`, `creating ${entry.fstab}`);
      fstabProbe = await probeDestination(ctx, entry.fstab, false);
    }
    if (fstabProbe.exists && fstabProbe.type !== 'file') throw new ModuleFailure(`${entry.fstab} on ${ctx.host} is a ${fstabProbe.type}, not a file`);
    const fstabText = parseFileProbe(probeOut).content?.toString('utf8') ?? '';
    const saveFstab = async (edit: FstabEdit): Promise<ModuleResult> =>
      edit.changed ? ensureFile(ctx, { path: entry.fstab, content: Buffer.from(edit.content), backup: a.backup }, fstabProbe) : { changed: false };

    if (a.state === 'absent' || a.state === 'absent_from_fstab') {
      const edit = unsetMount(fstabText, a.path, a.src);
      const written = await saveFstab(edit);
      if (edit.changed && a.state === 'absent' && !ctx.check) {
        if (isMounted) {
          const failed = await attempt(ctx, umountCommand(a.path));
          if (failed !== undefined) throw new ModuleFailure(`Error unmounting ${a.path}: ${failed}`);
        }
        // A swap entry's mount point (`none`) is no path: only a real mount point is removed, as Ansible's rmdir does.
        if (posix.isAbsolute(a.path) && point !== 'absent') {
          const removed = await run(ctx, argv('rmdir', '--', a.path));
          if (removed.exitCode !== 0) throw new ModuleFailure(`Error rmdir ${a.path}: ${removed.stderr.trim()}`);
        }
      }
      return result(edit.changed, written);
    }
    if (a.state === 'unmounted') {
      if (isMounted && !ctx.check) {
        const failed = await attempt(ctx, umountCommand(a.path));
        if (failed !== undefined) throw new ModuleFailure(`Error unmounting ${a.path}: ${failed}`);
      }
      return result(isMounted);
    }
    if (a.state === 'present') {
      const edit = setMount(fstabText, entry);
      return result(edit.changed, await saveFstab(edit));
    }
    if (a.state === 'remounted') {
      if (!ctx.check) {
        const failed = await remount(ctx, a, entry);
        if (failed !== undefined) throw new ModuleFailure(`Error remounting ${a.path}: ${failed}`);
      }
      return result(true);
    }

    // mounted / ephemeral
    const created = point === 'absent' && !ctx.check ? await createMountPoint(ctx, a.path) : [];
    const edit: FstabEdit = a.state === 'ephemeral' ? { content: fstabText, changed: false } : setMount(fstabText, entry);
    const written = await saveFstab(edit);
    let changed = edit.changed;
    let failed: string | undefined;
    if (isMounted) {
      if (a.state === 'ephemeral') {
        if (mounts.get(a.path)?.src !== a.src) {
          throw new ModuleFailure(
            `${a.path} is already mounted with a different source (${mounts.get(a.path)?.src}) than ${a.src}. Failing in order to prevent an unwanted ` +
              'unmount or override operation. Try replacing this command with a "state: unmounted" followed by a "state: ephemeral", or use a different destination path.',
          );
        }
        changed = true;
      }
      if (changed && !ctx.check) failed = await remount(ctx, a, entry);
    } else {
      changed = true;
      if (!ctx.check) failed = await attempt(ctx, mountCommand(entry));
    }
    if (failed !== undefined) {
      // A fstab entry that does not mount would break the next boot: put the file back, and the directories made for it.
      if (edit.changed) await ensureFile(ctx, { path: entry.fstab, content: Buffer.from(fstabText) }, await probeDestination(ctx, entry.fstab, false));
      if (created.length > 0) await run(ctx, argv('rmdir', '--', ...created.reverse()));
      throw new ModuleFailure(`Error mounting ${a.path}: ${failed}`);
    }
    return result(changed, written);
  },
};
