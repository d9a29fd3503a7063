import { posix } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import { applyAttributesCommand, attributesToChange, hasAttributes, type FileAttributes } from './commands/attributes';
import type { FileProbe } from './commands/file-probe';
import {
  ARCHIVE_KINDS,
  archiveKind,
  statManyCommand,
  tarCommand,
  tarDiffers,
  tarMembers,
  unarchiveProbeCommand,
  unzipCommand,
  zipStateScript,
  type TarOptions,
} from './commands/unarchive';
import { becomeOptions, run, runOk } from './support/host';
import { stringList } from './support/list-arg';
import { fileMode } from './support/mode';
import { q } from './support/shell';

const args = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    remote_src: z.boolean().default(false),
    /** Deprecated inverse of remote_src, still accepted by Ansible. */
    copy: z.boolean().optional(),
    creates: z.string().min(1).optional(),
    list_files: z.boolean().default(false),
    keep_newer: z.boolean().default(false),
    exclude: stringList.default([]),
    include: stringList.default([]),
    extra_opts: stringList.default([]),
    /** Accepted as Ansible's are: only a URL src would use it, and play refuses those (see below). */
    validate_certs: z.boolean().default(true),
    decrypt: z.boolean().default(true),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
  })
  .strict()
  .refine((a) => !(a.src.includes('://') && (a.remote_src || a.copy === false)), {
    message: 'a URL src is not downloaded by unarchive in play: fetch it with get_url first, then unarchive it with remote_src: true',
    path: ['src'],
  })
  .refine((a) => a.exclude.length === 0 || a.include.length === 0, { message: 'exclude and include are mutually exclusive' });

type UnarchiveArgs = z.infer<typeof args>;

/** fnmatch as Ansible's exclude uses it: `*` and `?` match `/` too. */
function fnmatch(name: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^');
  return new RegExp(`^${source}$`, 's').test(name);
}

function parseTags(stdout: string): Map<string, string> {
  return new Map(stdout.split('\n').filter((l) => l.includes('\t')).map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)]));
}

/** Uploads a controller archive to a fresh temporary file on the host (as Ansible's action does), returns its path. */
async function upload(ctx: ModuleContext, localPath: string): Promise<string> {
  const { content } = ctx.readLocalFile(localPath);
  const tmp = (await runOk(ctx, 'mktemp', 'creating a temporary file')).stdout.trim();
  await ctx.conn.putFile(tmp, content, { ...becomeOptions(ctx), mode: '0600' });
  return tmp;
}

interface Archive {
  handler: string;
  members: string[];
  unarchived: boolean;
  extract(): string;
}

async function tarArchive(ctx: ModuleContext, o: TarOptions, wanted: FileAttributes & { root: boolean }): Promise<Archive> {
  const listing = await run(ctx, tarCommand('--list', o));
  if (listing.exitCode !== 0) throw new ModuleFailure(`Unable to list files in the archive ${o.src} on ${ctx.host}: ${listing.stderr.trim()}`);
  const members = tarMembers(listing.stdout, o.excludes.map((e) => e.replace(/\/+$/, '')), fnmatch);
  if (members.length === 0) throw new ModuleFailure(`${o.src} on ${ctx.host}: found no files in archive. Empty archive files are not supported.`);
  const diff = await run(ctx, tarCommand('--diff', o));
  return {
    handler: ARCHIVE_KINDS[o.kind].handler,
    members,
    unarchived: !tarDiffers(`${diff.stdout}\n${diff.stderr}`, wanted),
    extract: () => tarCommand('--extract', o),
  };
}

async function zipArchive(ctx: ModuleContext, o: TarOptions): Promise<Archive> {
  const state = await run(ctx, 'python3 -', { stdin: zipStateScript(o.src, o.dest) });
  if (state.exitCode !== 0) throw new ModuleFailure(`Unable to read the zip archive ${o.src} on ${ctx.host}: ${state.stderr.trim().split('\n').slice(-1)[0]}`);
  const entries = (JSON.parse(state.stdout) as { name: string; same: boolean }[]).filter((e) => !o.excludes.some((x) => fnmatch(e.name, x)));
  const included = o.include.length > 0 ? entries.filter((e) => o.include.some((i) => fnmatch(e.name, i))) : entries;
  return {
    handler: 'ZipArchive',
    members: included.map((e) => e.name),
    unarchived: included.every((e) => e.same),
    extract: () => unzipCommand(o),
  };
}

function parseStat(line: string): [string, FileProbe] {
  const fields = line.split('|');
  const [owner, group, uid, gid, mode, type] = fields.slice(-6);
  const path = fields.slice(0, -6).join('|');
  return [path, { exists: true, owner, group, uid: Number(uid), gid: Number(gid), mode: mode.padStart(4, '0'), type: type === 'directory' ? 'directory' : type === 'symbolic link' ? 'link' : 'file' }];
}

/** owner/group/mode on every extracted member and the top folders, as Ansible sets them; whether anything changed. */
async function applyAttributes(ctx: ModuleContext, dest: string, members: string[], wanted: FileAttributes): Promise<boolean> {
  if (wanted.owner === undefined && wanted.group === undefined && wanted.mode === undefined) return false;
  const tops = [...new Set(members.filter((m) => m.includes('/')).map((m) => m.split('/')[0]))];
  const paths = [...new Set([...members, ...tops].map((m) => posix.join(dest, m)))];
  const stats = await run(ctx, statManyCommand(paths));
  const commands = stats.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map(parseStat)
    .filter(([, probe]) => probe.type !== 'link')
    .map(([path, probe]) => [path, attributesToChange(probe, wanted)] as const)
    .filter(([, change]) => hasAttributes(change))
    .map(([path, change]) => applyAttributesCommand(path, change));
  if (commands.length === 0) return false;
  if (!ctx.check) await runOk(ctx, commands.join(' && '), `setting owner/mode under ${dest}`);
  return true;
}

/**
 * ansible.builtin.unarchive: a tar (any compression GNU tar reads) or zip archive, from the
 * controller or already on the host, unpacked into an existing directory. Idempotent as Ansible
 * is: tar's `--diff` (or the zip's members' sizes and CRCs) against dest decides.
 */
export const unarchive: ModuleDefinition<UnarchiveArgs> = {
  name: 'unarchive',
  args,
  async run(a, ctx): Promise<ModuleResult> {
    const remote = a.remote_src || a.copy === false;
    if (a.creates) {
      const exists = await run(ctx, `test -e ${q(a.creates)}`);
      if (exists.exitCode === 0) return { changed: false, skipped: true, msg: `skipped, since ${a.creates} exists` };
    }
    const src = remote ? a.src : await upload(ctx, ctx.resolveLocal(a.src, 'files'));
    try {
      const probe = parseTags((await runOk(ctx, unarchiveProbeCommand(src, a.dest), `probing ${a.src}`)).stdout);
      if (!probe.has('size')) throw new ModuleFailure(remote ? `Source '${a.src}' does not exist or is not readable on ${ctx.host}` : `Source '${a.src}' failed to transfer`);
      if (probe.get('size') === '0') throw new ModuleFailure(`Invalid archive '${a.src}', the file is 0 bytes`);
      if (!probe.has('dest_dir')) throw new ModuleFailure(`Destination '${a.dest}' is not a directory on ${ctx.host}`);
      const kind = archiveKind(probe.get('head') ?? '');
      if (kind === 'zip' && !probe.has('unzip')) {
        throw new ModuleFailure(`${a.src} is a zip archive and ${ctx.host} has no unzip: install it first (apt: name=unzip), as Ansible needs it too`);
      }
      const options: TarOptions = {
        src,
        dest: a.dest,
        kind,
        extraOpts: a.extra_opts,
        excludes: a.exclude.map((e) => e.replace(/\/+$/, '')),
        include: a.include,
        owner: a.owner,
        group: a.group,
        keepNewer: a.keep_newer,
      };
      const whoami = await runOk(ctx, 'id -u', 'asking who runs the task');
      const wanted = { owner: a.owner, group: a.group, mode: a.mode };
      const archive = kind === 'zip' ? await zipArchive(ctx, options) : await tarArchive(ctx, options, { ...wanted, root: whoami.stdout.trim() === '0' });
      const result: ModuleResult = { changed: !archive.unarchived, handler: archive.handler, dest: a.dest, src: a.src };
      if (!ctx.check && !archive.unarchived) {
        const command = archive.extract();
        const extracted = await run(ctx, command);
        result.extract_results = { cmd: command, rc: extracted.exitCode, out: extracted.stdout, err: extracted.stderr };
        if (extracted.exitCode !== 0) throw new ModuleFailure(`failed to unpack ${a.src} to ${a.dest} on ${ctx.host}: ${extracted.stderr.trim()}`, result);
      }
      // In check mode nothing is extracted yet: only an archive already there can have its attributes predicted.
      if (!ctx.check || archive.unarchived) result.changed = (await applyAttributes(ctx, a.dest, archive.members, wanted)) || result.changed;
      if (a.list_files) result.files = archive.members;
      return result;
    } finally {
      if (!remote) await run(ctx, `rm -f -- ${q(src)}`);
    }
  },
};
