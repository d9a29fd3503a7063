import type { FileProbe } from './file-probe';
import { argv } from '../support/shell';

/** Owner, group and mode a task asks for; each is left alone when omitted. */
export interface FileAttributes {
  owner?: string;
  group?: string;
  /** Four octal digits ('0644'), see support/mode.ts. */
  mode?: string;
}

function sameAccount(wanted: string, name: string | undefined, id: number | undefined): boolean {
  return wanted === name || wanted === String(id);
}

/** The attributes that differ from what the probe found (all of them for a path that does not exist). */
export function attributesToChange(probe: FileProbe, wanted: FileAttributes): FileAttributes {
  const change: FileAttributes = {};
  if (wanted.owner !== undefined && !sameAccount(wanted.owner, probe.owner, probe.uid)) change.owner = wanted.owner;
  if (wanted.group !== undefined && !sameAccount(wanted.group, probe.group, probe.gid)) change.group = wanted.group;
  if (wanted.mode !== undefined && wanted.mode !== probe.mode) change.mode = wanted.mode;
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
  if (attributes.mode !== undefined) tests.push(argv('!', '-perm', attributes.mode));
  if (tests.length === 0) return 'true';
  return `find ${argv(path)} \\( ${tests.join(' -o ')} \\) -print -quit`;
}
