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

const STAT_FORMAT = `'stat\\t%F|%U|%G|%u|%g|%a|%s|%Y|%d:%i\\n'`;

/** The shell tests that decide what a probe prints for a path (a shell word), shared by one path's probe and the joint one. */
const present = (p: string) => `[ -e ${p} ] || [ -L ${p} ]`;
const digestible = (p: string) => `[ -f ${p} ] && [ -r ${p} ]`;
const regular = (p: string) => `[ -f ${p} ]`;

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
    `if ! { ${present('"$p"')}; }; then echo absent; exit 0; fi`,
    // A followed link that dangles prints no stat line: it does not exist, as os.stat (Ansible's) says.
    `stat ${statFlag}--printf ${STAT_FORMAT} -- "$p"`,
    `if [ -L "$p" ]; then printf 'link\\t%s\\n' "$(readlink -- "$p")"; fi`,
  ];
  if (options.checksum) {
    lines.push(`if ${digestible('"$p"')}; then printf 'checksum\\t'; ${options.checksum}sum < "$p"; fi`);
  }
  if (options.content) {
    lines.push(`if ${regular('"$p"')}; then printf 'content\\t'; base64 -w0 < "$p"; echo; fi`);
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

/** One literal path's file probe, as a batch may answer it together with others (jointFileProbesCommand). */
export interface FileProbeSpec {
  path: string;
  options: FileProbeOptions;
}

/**
 * Many paths' probes in one script, for a batch: one `stat` for the paths probed as they are, one
 * `stat -L` for those followed, one digest command per algorithm, where each path's own probe
 * starts two processes. The shell's builtins decide, as in fileProbeOf, which paths exist and which
 * are read; splitJointFileProbes then rebuilds what each path's own command prints.
 */
export function jointFileProbesCommand(specs: readonly FileProbeSpec[]): string {
  const lines = [`printf 'umask\\t'; umask`];
  const each = (select: (spec: FileProbeSpec) => boolean, line: (p: string, k: number) => string) =>
    specs.forEach((spec, k) => {
      if (select(spec)) lines.push(line(q(spec.path), k));
    });
  for (const follow of [false, true]) {
    lines.push(`set --; echo '${follow ? 'paths -L' : 'paths'}'`);
    each((s) => !s.options.follow === !follow, (p, k) => `if ${present(p)}; then echo 'at ${k}'; set -- "$@" ${p}; fi`);
    lines.push(`if [ $# -gt 0 ]; then echo '${follow ? 'stat -L' : 'stat'}'; stat ${follow ? '-L ' : ''}--printf ${STAT_FORMAT} -- "$@"; fi`);
  }
  each(() => true, (p, k) => `if [ -L ${p} ]; then printf 'link ${k}\\t'; readlink -- ${p} | base64 -w0; echo; fi`);
  for (const algorithm of ['sha1', 'sha256'] as const) {
    lines.push(`set --; echo 'files ${algorithm}'`);
    each((s) => s.options.checksum === algorithm, (p, k) => `if ${digestible(p)}; then echo 'sum ${k}'; set -- "$@" ${p}; fi`);
    lines.push(`if [ $# -gt 0 ]; then echo '${algorithm}sum'; ${algorithm}sum -- "$@"; fi`);
  }
  each((s) => s.options.content === true, (p, k) => `if ${regular(p)}; then printf 'content ${k}\\t'; base64 -w0 < ${p}; echo; fi`);
  lines.push('true');
  return lines.join('\n');
}

/**
 * What each path's own probe command (fileProbeCommand) would have printed, rebuilt from the
 * output of jointFileProbesCommand; undefined when that output is anything but the expected clean
 * run (an error, a path changed between two looks, a name the digest command escapes), and then
 * each path is probed on its own.
 */
export function splitJointFileProbes(specs: readonly FileProbeSpec[], stdout: string): string[] | undefined {
  const lines = stdout.split('\n');
  if (lines.pop() !== '') return undefined;
  let at = 0;
  const next = () => lines[at++];
  const umask = /^umask\t(.*)$/.exec(next() ?? '')?.[1];
  if (umask === undefined) return undefined;
  const found = specs.map(() => ({ exists: false, stat: '', link: undefined as string | undefined, sum: undefined as string | undefined, content: undefined as string | undefined }));
  const listed = (tag: string): number[] => {
    const ks: number[] = [];
    for (let m; (m = new RegExp(`^${tag} (\\d+)$`).exec(lines[at] ?? '')); at++) ks.push(Number(m[1]));
    return ks;
  };
  for (const follow of [false, true]) {
    if (next() !== (follow ? 'paths -L' : 'paths')) return undefined;
    const ks = listed('at');
    if (ks.length === 0) continue;
    if (next() !== (follow ? 'stat -L' : 'stat')) return undefined;
    for (const k of ks) {
      const line = next();
      if (!found[k] || !!specs[k].options.follow !== follow || !line?.startsWith('stat\t')) return undefined;
      Object.assign(found[k], { exists: true, stat: line });
    }
  }
  for (let m; (m = /^link (\d+)\t(.*)$/.exec(lines[at] ?? '')); at++) {
    const k = Number(m[1]);
    if (!found[k]?.exists) return undefined;
    found[k].link = Buffer.from(m[2], 'base64').toString('utf8').replace(/\n+$/, '');
  }
  for (const algorithm of ['sha1', 'sha256'] as const) {
    if (next() !== `files ${algorithm}`) return undefined;
    const ks = listed('sum');
    if (ks.length === 0) continue;
    if (next() !== `${algorithm}sum`) return undefined;
    for (const k of ks) {
      const digest = new RegExp(`^([0-9a-f]{${algorithm === 'sha1' ? 40 : 64}})  (.*)$`, 's').exec(next() ?? '');
      if (!found[k]?.exists || specs[k].options.checksum !== algorithm || digest?.[2] !== specs[k].path) return undefined;
      found[k].sum = digest[1];
    }
  }
  for (let m; (m = /^content (\d+)\t(.*)$/.exec(lines[at] ?? '')); at++) {
    const k = Number(m[1]);
    if (!found[k]?.exists || !specs[k].options.content) return undefined;
    found[k].content = m[2];
  }
  if (at !== lines.length) return undefined;
  return found.map((f) => {
    if (!f.exists) return `umask\t${umask}\nabsent\n`;
    const link = f.link === undefined ? '' : `link\t${f.link}\n`;
    const sum = f.sum === undefined ? '' : `checksum\t${f.sum}  -\n`;
    const content = f.content === undefined ? '' : `content\t${f.content}\n`;
    return `umask\t${umask}\n${f.stat}\n${link}${sum}${content}`;
  });
}
