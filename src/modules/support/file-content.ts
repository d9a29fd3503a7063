import { createHash } from 'node:crypto';
import { argv } from './shell';
import { becomeOptions, probeFile, runOk } from './host';
import { applyAttributesCommand, attributesToChange, hasAttributes, type FileAttributes } from '../commands/attributes';
import { fileProbeCommand, fileProbeOf, parseFileProbe, type FileProbe, type FileProbeOptions } from '../commands/file-probe';
import { ModuleFailure, type FileDiff, type ModuleContext, type ModuleResult, type ProbeRequest } from '../module';

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Copy and template follow links, and compare digests. */
function destinationOptions(withContent: boolean): FileProbeOptions {
  return { follow: true, checksum: 'sha256', content: withContent };
}

/** The destination probe of a path the host expands from a shell word (see fileProbeOf). */
export function destinationProbeOf(pathWord: string, withContent: boolean): string {
  return fileProbeOf(pathWord, destinationOptions(withContent));
}

/** Probes a destination file in one round trip (following links, as copy and template do). */
export async function probeDestination(ctx: ModuleContext, path: string, withContent: boolean): Promise<FileProbe> {
  const result = await runOk(ctx, fileProbeCommand(path, destinationOptions(withContent)), `probing ${path}`);
  return parseFileProbe(result.stdout);
}

/** The probe `probeDestination(ctx, path, withContent)` sends, for a module's `probe`. */
export function destinationProbe(ctx: ModuleContext, path: string, withContent = false): ProbeRequest {
  return probeFile(ctx, path, destinationOptions(withContent));
}

function printable(content: Buffer): string {
  return content.includes(0) ? '(binary file)\n' : content.toString('utf8');
}

async function currentContent(ctx: ModuleContext, path: string, probe: FileProbe): Promise<Buffer> {
  if (!probe.exists) return Buffer.alloc(0);
  return probe.content ?? (await ctx.conn.readFile(path, becomeOptions(ctx))) ?? Buffer.alloc(0);
}

export interface DesiredFile extends FileAttributes {
  path: string;
  content: Buffer;
  /** Keep a timestamped copy of the old file (`path.<time>.<random>~`, like Ansible's) before replacing it. */
  backup?: boolean;
  /** Passed to putFile: run on the temporary file, a failure leaves the destination as it was. */
  validate?: string;
}

/**
 * Converges one file's content and attributes: writes only when the checksum differs, chown/chmod
 * only when they differ, fills the diff when asked (marked secret for no_log), changes nothing in check mode.
 */
export async function ensureFile(ctx: ModuleContext, desired: DesiredFile, probe: FileProbe): Promise<ModuleResult> {
  if (probe.exists && probe.type !== 'file') {
    throw new ModuleFailure(`${desired.path} exists on ${ctx.host} and is a ${probe.type}, not a regular file`);
  }
  const checksum = sha256(desired.content);
  const contentChanges = !probe.exists || probe.checksum !== checksum;
  const attributeChanges = attributesToChange(probe, desired);
  const changed = contentChanges || hasAttributes(attributeChanges);
  const result: ModuleResult = { changed, dest: desired.path, checksum };
  if (!changed) return result;

  if (contentChanges && ctx.diff) {
    const diff: FileDiff = {
      path: desired.path,
      before: printable(await currentContent(ctx, desired.path, probe)),
      after: printable(desired.content),
      ...(ctx.noLog ? { secret: true } : {}),
    };
    result.diff = [diff];
  }
  if (ctx.check) return result;

  if (contentChanges) {
    if (desired.backup && probe.exists) result.backup_file = await backupFile(ctx, desired.path);
    await ctx.conn.putFile(desired.path, desired.content, {
      ...becomeOptions(ctx),
      // An atomic replace is a new inode: keep the old file's owner and mode unless the task sets them
      // (attributeChanges holds the wanted mode resolved to octal whenever it differs from the old one).
      mode: attributeChanges.mode ?? probe.mode,
      owner: desired.owner ?? probe.owner,
      group: desired.group ?? probe.group,
      validate: desired.validate,
    });
  } else {
    await runOk(ctx, applyAttributesCommand(desired.path, attributeChanges), `setting owner/mode of ${desired.path}`);
  }
  return result;
}

/**
 * The backup is created by mktemp (exclusive, random part) and the old file copied into it: a name
 * known in advance would let whoever can write the directory plant a link there, and `cp` would
 * send the old content wherever it points.
 */
async function backupFile(ctx: ModuleContext, path: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
  const template = `${path}.${stamp}.XXXXXX~`;
  const copy = `b=$(${argv('mktemp', '--', template)}) && { ${argv('cp', '-p', '--', path)} "$b" || { rm -f -- "$b"; false; }; } && printf '%s\n' "$b"`;
  const { stdout } = await runOk(ctx, copy, `backing up ${path}`);
  return stdout.replace(/\n$/, '');
}

