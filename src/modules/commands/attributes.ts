import type { FileProbe } from './file-probe';
import { argv } from '../support/shell';
import { isSymbolicMode, resolveMode } from '../support/mode';

/** Owner, group and mode a task asks for; each is left alone when omitted. */
export interface FileAttributes {
  owner?: string;
  group?: string;
  /** Four octal digits ('0644') or a symbolic mode ('u=rw,g=r,o='), see support/mode.ts. */
  mode?: string;
}

function sameAccount(wanted: string, name: string | undefined, id: number | undefined): boolean {
  return wanted === name || wanted === String(id);
}

/**
 * The attributes that differ from what the probe found (all of them for a path that does not exist),
 * the mode always as octal digits: a symbolic one is resolved against the probed mode.
 */
export function attributesToChange(probe: FileProbe, wanted: FileAttributes): FileAttributes {
  const change: FileAttributes = {};
  if (wanted.owner !== undefined && !sameAccount(wanted.owner, probe.owner, probe.uid)) change.owner = wanted.owner;
  if (wanted.group !== undefined && !sameAccount(wanted.group, probe.group, probe.gid)) change.group = wanted.group;
  if (wanted.mode !== undefined) {
    const mode = resolveMode(wanted.mode, probe);
    if (!probe.exists || mode !== probe.mode) change.mode = mode;
  }
  return change;
}

export function hasAttributes(attributes: FileAttributes): boolean {
  return attributes.owner !== undefined || attributes.group !== undefined || attributes.mode !== undefined;
}

/** chown/chmod for the given attributes; `-h` changes a link itself, never its target. */
export function applyAttributesCommand(path: string, attributes: FileAttributes, options: { recurse?: boolean; link?: boolean } = {}): string {
  const flags = [options.recurse ? '-R' : undefined, options.link ? '-h' : undefined].filter((f): f is string => f !== undefined);
  const commands: string[] = [];
  if (attributes.owner !== undefined || attributes.group !== undefined) {
    const spec = `${attributes.owner ?? ''}${attributes.group !== undefined ? `:${attributes.group}` : ''}`;
    commands.push(argv('chown', ...flags, '--', spec, path));
  }
  // chmod on a link would change its target; links have no mode of their own on Linux.
  if (attributes.mode !== undefined && !options.link) commands.push(argv('chmod', ...(options.recurse ? ['-R'] : []), '--', attributes.mode, path));
  return commands.join(' && ');
}

/**
 * For `recurse`: one command that prints the first path under `path` whose owner, group or mode
 * differs, so convergence of a whole tree is still decided in one round trip.
 */
export function findMismatchCommand(path: string, attributes: FileAttributes): string {
  const tests: string[] = [];
  if (attributes.owner !== undefined) tests.push(argv('!', '-user', attributes.owner));
  if (attributes.group !== undefined) tests.push(argv('!', '-group', attributes.group));
  // A symbolic mode means something else for each entry: treeModesCommand lists them instead.
  if (attributes.mode !== undefined && !isSymbolicMode(attributes.mode)) tests.push(argv('!', '-perm', attributes.mode));
  if (tests.length === 0) return 'true';
  return `find ${argv(path)} \\( ${tests.join(' -o ')} \\) -print -quit`;
}

/**
 * Every distinct (type, mode) pair under `path` as `treemode` lines: few even for a large tree. Links
 * are left out: chmod -R never changes them.
 */
export function treeModesCommand(path: string): string {
  return `find ${argv(path)} ! -type l -printf 'treemode\\t%y %m\\n' | sort -u`;
}

/** Whether a symbolic mode would change any entry treeModesCommand listed. */
export function treeModesDiffer(output: string, mode: string, umask?: string): boolean {
  return [...output.matchAll(/^treemode\t(\S) ([0-7]+)$/gm)].some(([, type, digits]) => {
    const current = digits.padStart(4, '0');
    return resolveMode(mode, { mode: current, type: type === 'd' ? 'directory' : 'file', umask }) !== current;
  });
}
