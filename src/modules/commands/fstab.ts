import { argv, q } from '../support/shell';
import { fileProbeCommand } from './file-probe';

/**
 * /etc/fstab edited line by line exactly as ansible.posix.mount edits it (Linux rules): other
 * lines, comments and blank lines stay as they are; the entry is found by its mount point, or for
 * a swap entry (`none ... swap`) by its source, since every swap line shares the mount point `none`.
 */

/** The fields of one fstab entry as the task asks for it (before escaping). */
export interface FstabEntry {
  name: string;
  src?: string;
  fstype?: string;
  opts: string;
  dump: string;
  passno: string;
}

/** fstab's octal escapes for the characters that would split a field (space, and `\` and `&` as Ansible adds). */
export function escapeFstab(value: string): string {
  return value.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/&/g, '\\046');
}

/** The lines of a file, each with its newline (the last one may lack it), as Python's readlines gives them. */
function readLines(content: string): string[] {
  return content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const LABELS = ['src', 'name', 'fstype', 'opts', 'dump', 'passno'] as const;
type Fields = Partial<Record<(typeof LABELS)[number], string>>;

function isOtherEntry(fields: Fields, name: string, src: string | undefined): boolean {
  return fields.name !== name || (src !== undefined && fields.name === 'none' && fields.fstype === 'swap' && fields.src !== src);
}

function entryLine(fields: Fields): string {
  return `${LABELS.map((label) => fields[label]).join(' ')}\n`;
}

export interface FstabEdit {
  content: string;
  changed: boolean;
}

/**
 * state: present/mounted. The matching entry is rewritten when a field differs (a line without
 * dump/passno always differs, as in Ansible); none matching appends the entry.
 */
export function setMount(content: string, entry: FstabEntry): FstabEdit {
  const escaped: Fields = {
    src: escapeFstab(entry.src ?? ''),
    name: escapeFstab(entry.name),
    fstype: escapeFstab(entry.fstype ?? ''),
    opts: escapeFstab(entry.opts),
    dump: escapeFstab(entry.dump),
    passno: escapeFstab(entry.passno),
  };
  const out: string[] = [];
  let exists = false;
  // One flag for the whole file, as in Ansible: after a first rewrite, every later matching line is rewritten too.
  let changed = false;
  for (const raw of readLines(content)) {
    const line = raw.endsWith('\n') ? raw : `${raw}\n`;
    const words = line.trim().split(/\s+/);
    if (line.trim() === '' || line.trim().startsWith('#') || words.length < 4 || words.length > 6) {
      out.push(line);
      continue;
    }
    const fields: Fields = {};
    words.forEach((word, i) => (fields[LABELS[i]] = word));
    if (isOtherEntry(fields, escaped.name as string, entry.src)) {
      out.push(line);
      continue;
    }
    exists = true;
    for (const label of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (fields[label] !== escaped[label]) {
        fields[label] = escaped[label];
        changed = true;
      }
    }
    out.push(changed ? entryLine(fields) : line);
  }
  if (!exists) {
    out.push(entryLine(escaped));
    changed = true;
  }
  return { content: out.join(''), changed };
}

/** state: absent/absent_from_fstab. Every complete (six-field) entry for the mount point goes. */
export function unsetMount(content: string, name: string, src: string | undefined): FstabEdit {
  const escapedName = escapeFstab(name);
  const out: string[] = [];
  let changed = false;
  for (const line of readLines(content)) {
    const words = line.trim().split(/\s+/);
    if (line.trim() === '' || line.trim().startsWith('#') || words.length !== 6) {
      out.push(line);
      continue;
    }
    const fields: Fields = {};
    words.forEach((word, i) => (fields[LABELS[i]] = word));
    if (isOtherEntry(fields, escapedName, src)) out.push(line);
    else changed = true;
  }
  return { content: out.join(''), changed };
}

/** Octal escapes (`\040`) in /proc/self/mountinfo and fstab fields, decoded. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export interface MountedFs {
  src: string;
  fstype: string;
  opts: string;
}

/** The mounts of /proc/self/mountinfo by mount point (decoded); a later mount on the same point hides an earlier one. */
export function parseMountinfo(text: string): Map<string, MountedFs> {
  const mounts = new Map<string, MountedFs>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const dash = fields.indexOf('-');
    if (fields.length < 10 || dash < 6) continue;
    mounts.set(unescapeOctal(fields[4]), { src: unescapeOctal(fields[dash + 2]), fstype: fields[dash + 1], opts: fields[5] });
  }
  return mounts;
}

/** The fstab (with content), the mount table, and whether the mount point exists, in one round trip. */
export function mountProbeCommand(fstab: string, path: string): string {
  return [
    `(${fileProbeCommand(fstab, { follow: true, checksum: 'sha256', content: true })})`,
    `printf 'mountinfo\\t%s\\n' "$(base64 -w0 < /proc/self/mountinfo)"`,
    `if [ -d ${q(path)} ]; then echo 'point\tdirectory'; elif [ -e ${q(path)} ]; then echo 'point\tother'; else echo 'point\tabsent'; fi`,
  ].join('\n');
}

export interface MountProbe {
  mounts: Map<string, MountedFs>;
  point: 'directory' | 'other' | 'absent';
}

export function parseMountProbe(stdout: string): MountProbe {
  const lines = stdout.split('\n');
  const mountinfo = lines.find((l) => l.startsWith('mountinfo\t'))?.slice('mountinfo\t'.length) ?? '';
  const point = lines.find((l) => l.startsWith('point\t'))?.slice('point\t'.length) ?? 'absent';
  return { mounts: parseMountinfo(Buffer.from(mountinfo, 'base64').toString('utf8')), point: point as MountProbe['point'] };
}

/** `-T file` for an fstab other than the system's (mount(8) reads /etc/fstab by default). */
function fstabOption(fstab: string): string[] {
  return fstab === '/etc/fstab' ? [] : ['-T', fstab];
}

export interface MountCommandArgs {
  name: string;
  src?: string;
  fstype?: string;
  opts: string;
  fstab: string;
  /** Everything from the task, nothing from fstab (state: ephemeral). */
  ephemeral: boolean;
}

function ephemeralOptions(a: MountCommandArgs): string[] {
  return ['-t', a.fstype ?? '', ...(a.opts === 'defaults' ? [] : ['-o', a.opts]), a.src ?? ''];
}

export function mountCommand(a: MountCommandArgs): string {
  return argv('mount', ...(a.ephemeral ? ephemeralOptions(a) : fstabOption(a.fstab)), a.name);
}

/** `mount -o remount` with the task's options (state: remounted) or fstab's. */
export function remountCommand(a: MountCommandArgs, withOptions: boolean): string {
  const options = withOptions && a.opts !== 'defaults' ? `remount,${a.opts}` : 'remount';
  return argv('mount', '-o', options, ...(a.ephemeral ? ephemeralOptions(a) : fstabOption(a.fstab)), a.name);
}

export function umountCommand(name: string): string {
  return argv('umount', name);
}
