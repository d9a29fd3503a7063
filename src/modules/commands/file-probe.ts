import { q } from '../support/shell';

/** What one round trip learns about a path. */
export interface FileProbe {
  exists: boolean;
  type?: 'file' | 'directory' | 'link' | 'other';
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  /** Four octal digits, as `stat -c %a` padded: '0644'. */
  mode?: string;
  size?: number;
  mtime?: number;
  /** Where a symbolic link points (the link itself is probed unless `follow`). */
  linkTarget?: string;
  /** `device:inode`, to tell whether two paths are one file (hard links). */
  inode?: string;
  /** The umask commands run with (octal digits), what a created file's mode starts from. */
  umask?: string;
  /** Hex digest of a regular file, by `checksum` algorithm. */
  checksum?: string;
  /** The file's bytes, when asked for. */
  content?: Buffer;
}

export interface FileProbeOptions {
  /** Probe what a link points to rather than the link (copy/template follow; file/stat do not). */
  follow?: boolean;
  checksum?: 'sha1' | 'sha256';
  content?: boolean;
}

/**
 * One shell command that prints everything about a path as tab-separated, tagged lines, so a module
 * decides after a single round trip. Absent paths print only the umask and `absent`. Each process
 * it starts costs a converged host more than anything else in a run, so builtins print straight
 * out (no command substitution) and the digest comes from one `sha256sum`, its file name field
 * dropped by the parser.
 */
export function fileProbeCommand(path: string, options: FileProbeOptions = {}): string {
  return fileProbeOf(q(path), options);
}

/** fileProbeCommand of a path only the host knows: `pathWord` is a shell word it expands (`"$h"/.ssh/authorized_keys`). */
export function fileProbeOf(pathWord: string, options: FileProbeOptions = {}): string {
  const statFlag = options.follow ? '-L ' : '';
  const lines = [
    `p=${pathWord}`,
    `printf 'umask\\t'; umask`,
    `if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; exit 0; fi`,
    // A followed link that dangles prints no stat line: it does not exist, as os.stat (Ansible's) says.
    `stat ${statFlag}--printf 'stat\\t%F|%U|%G|%u|%g|%a|%s|%Y|%d:%i\\n' -- "$p"`,
    `if [ -L "$p" ]; then printf 'link\\t%s\\n' "$(readlink -- "$p")"; fi`,
  ];
  if (options.checksum) {
    lines.push(`if [ -f "$p" ] && [ -r "$p" ]; then printf 'checksum\\t'; ${options.checksum}sum < "$p"; fi`);
  }
  if (options.content) {
    lines.push(`if [ -f "$p" ]; then printf 'content\\t'; base64 -w0 < "$p"; echo; fi`);
  }
  return lines.join('\n');
}

function fileType(statType: string): FileProbe['type'] {
  if (statType.startsWith('regular')) return 'file';
  if (statType === 'directory') return 'directory';
  if (statType === 'symbolic link') return 'link';
  return 'other';
}

export function parseFileProbe(stdout: string): FileProbe {
  const probe: FileProbe = { exists: false };
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    const tag = tab < 0 ? line : line.slice(0, tab);
    const value = tab < 0 ? '' : line.slice(tab + 1);
    if (tag === 'stat') {
      const [type, owner, group, uid, gid, mode, size, mtime, inode] = value.split('|');
      Object.assign(probe, {
        exists: true,
        type: fileType(type),
        owner,
        group,
        uid: Number(uid),
        gid: Number(gid),
        mode: mode.padStart(4, '0'),
        size: Number(size),
        mtime: Number(mtime),
        inode,
      });
    } else if (tag === 'umask') probe.umask = value;
    else if (tag === 'link') probe.linkTarget = value;
    else if (tag === 'checksum') probe.checksum = value.split(' ')[0];
    else if (tag === 'content') probe.content = Buffer.from(value, 'base64');
  }
  return probe;
}

const PROBE_SEPARATOR = 'probe-of';

/** Several paths probed in one round trip, each in its own subshell (an absent path ends only its own probe). */
export function fileProbesCommand(paths: string[], options: FileProbeOptions = {}): string {
  return paths.map((path, index) => `echo ${PROBE_SEPARATOR} ${index}\n(${fileProbeCommand(path, options)})`).join('\n');
}

/** The probes of fileProbesCommand, in the order of its paths. */
export function parseFileProbes(stdout: string, count: number): FileProbe[] {
  const sections = stdout.split(new RegExp(`^${PROBE_SEPARATOR} \\d+\n`, 'm')).slice(1);
  if (sections.length !== count) throw new Error(`expected ${count} file probes, got ${sections.length}`);
  return sections.map(parseFileProbe);
}
