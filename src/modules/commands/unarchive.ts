import { argv, q } from '../support/shell';

/**
 * Ansible's handler for each kind of archive, and the tar flag it reads the archive with: it tries
 * zip, then tar -z, then plain tar, and GNU tar reads bzip2, xz and zstd by itself, so those are
 * its TarArchive.
 */
export const ARCHIVE_KINDS = {
  zip: { handler: 'ZipArchive', flag: undefined },
  gzip: { handler: 'TgzArchive', flag: '-z' },
  tar: { handler: 'TarArchive', flag: undefined },
} as const;

export type ArchiveKind = keyof typeof ARCHIVE_KINDS;

const MAGIC: [prefix: string, kind: ArchiveKind][] = [
  ['504b0304', 'zip'],
  ['504b0506', 'zip'],
  ['1f8b', 'gzip'],
];

/** The kind of archive by its first bytes (hex); anything else is handed to tar, which says what is wrong. */
export function archiveKind(headHex: string): ArchiveKind {
  return MAGIC.find(([prefix]) => headHex.startsWith(prefix))?.[1] ?? 'tar';
}

export interface TarOptions {
  src: string;
  dest: string;
  kind: ArchiveKind;
  extraOpts: string[];
  excludes: string[];
  include: string[];
  owner?: string;
  group?: string;
  keepNewer: boolean;
}

/** GNU tar's command for an operation, with Ansible's options in Ansible's order; C locale so the output parses. */
export function tarCommand(operation: '--list' | '--diff' | '--extract', o: TarOptions): string {
  const words: string[] = ['tar', operation, '-C', o.dest];
  const flag = ARCHIVE_KINDS[o.kind].flag;
  if (flag) words.push(flag);
  if (o.extraOpts.length > 0) words.push('--show-transformed-names', ...o.extraOpts);
  if (operation !== '--list') {
    if (o.owner) words.push(`--owner=${o.owner}`);
    if (o.group) words.push(`--group=${o.group}`);
    if (o.keepNewer) words.push('--keep-newer-files');
  }
  words.push(...o.excludes.map((e) => `--exclude=${e}`), '-f', o.src, ...o.include);
  return `cd ${q(o.dest)} && LANG=C LC_ALL=C ${argv(...words)}`;
}

/** unzip's extraction, as Ansible runs it. */
export function unzipCommand(o: Pick<TarOptions, 'src' | 'dest' | 'extraOpts' | 'excludes' | 'include'>): string {
  return argv('unzip', '-o', ...o.extraOpts, o.src, ...(o.excludes.length > 0 ? ['-x', ...o.excludes] : []), ...o.include, '-d', o.dest);
}

/**
 * The probe of one round trip: the archive's size and first bytes, whether dest is a directory,
 * whether `creates` exists, whether unzip is there.
 */
export function unarchiveProbeCommand(src: string, dest: string, creates?: string): string {
  return [
    `s=${q(src)}`,
    `if [ -f "$s" ] && [ -r "$s" ]; then printf 'size\\t%s\\n' "$(stat -c %s -- "$s")"; printf 'head\\t%s\\n' "$(od -An -tx1 -N8 -- "$s" | tr -d ' \\n')"; fi`,
    `if [ -d ${q(dest)} ]; then echo 'dest_dir\tyes'; fi`,
    ...(creates ? [`if [ -e ${q(creates)} ]; then echo 'creates\tyes'; fi`] : []),
    `if command -v unzip >/dev/null 2>&1; then echo 'unzip\tyes'; fi`,
    'true',
  ].join('\n');
}

/**
 * Tar's `--diff` lines that make an archive "not unarchived", as Ansible filters them: owner and
 * group only matter to root and when not set by the task, mode only when the task sets none.
 */
export function tarDiffers(output: string, o: { root: boolean; owner?: string; group?: string; mode?: string }): boolean {
  return output.split('\n').some((line) => {
    if (/: : Warning: Cannot stat: No such file or directory$/.test(line)) return false;
    if (o.root && !o.owner && /: Uid differs$/.test(line)) return true;
    if (o.root && !o.group && /: Gid differs$/.test(line)) return true;
    if (!o.mode && /: Mode differs$/.test(line)) return true;
    return /: Mod time differs$|: Warning: Cannot stat: No such file or directory$|: Invalid owner|: Invalid group/.test(line);
  });
}

/** Ansible's list of members: `tar --list` names (escapes decoded, leading `/` dropped), the excluded ones left out. */
export function tarMembers(listing: string, excludes: string[], matches: (name: string, pattern: string) => boolean): string[] {
  return listing
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => decodeTarEscapes(line).replace(/^\//, ''))
    .filter((name) => !excludes.some((e) => matches(name, e)));
}

/** GNU tar prints unusual characters as C escapes (`\\n`, `\\303\\251`): back to the bytes, read as UTF-8. */
function decodeTarEscapes(name: string): string {
  if (!name.includes('\\')) return name;
  const bytes: number[] = [];
  const SIMPLE: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < name.length; i++) {
    const octal = name[i] === '\\' ? /^[0-7]{1,3}/.exec(name.slice(i + 1))?.[0] : undefined;
    if (octal) {
      bytes.push(parseInt(octal, 8));
      i += octal.length;
    } else if (name[i] === '\\' && SIMPLE[name[i + 1]] !== undefined) {
      bytes.push(SIMPLE[name[++i]]);
    } else bytes.push(...Buffer.from(name[i]));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The zip's members and whether each is already at dest (type, size and CRC-32 equal), in python3's
 * zipfile: Ansible reads zips with it too. Arguments as base64 JSON, never shell text.
 */
export function zipStateScript(src: string, dest: string): string {
  const args = Buffer.from(JSON.stringify({ src, dest })).toString('base64');
  return `
import base64, json, os, sys, zipfile, zlib
a = json.loads(base64.b64decode(${JSON.stringify(args)}))
out = []
with zipfile.ZipFile(a["src"]) as z:
    for info in z.infolist():
        path = os.path.join(a["dest"], info.filename)
        if info.is_dir():
            same = os.path.isdir(path)
        elif os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) == info.file_size:
            crc = 0
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(65536), b""):
                    crc = zlib.crc32(block, crc)
            same = crc == info.CRC
        else:
            same = False
        out.append({"name": info.filename, "same": same})
json.dump(out, sys.stdout)
`;
}

/** `stat` of each path as `path|owner|group|uid|gid|mode|type`, for deciding owner/mode changes of many files in one round trip. */
export function statManyCommand(paths: string[]): string {
  return paths.length === 0 ? 'true' : `stat -c '%n|%U|%G|%u|%g|%a|%F' -- ${paths.map(q).join(' ')}`;
}
