import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import {
  applyAttributesCommand,
  attributesToChange,
  findMismatchCommand,
  hasAttributes,
  treeModesCommand,
  treeModesDiffer,
  type FileAttributes,
} from './commands/attributes';
import { fileProbeCommand, fileProbesCommand, parseFileProbe, parseFileProbes, type FileProbe } from './commands/file-probe';
import { fileMode, isSymbolicMode } from './support/mode';
import { probeFile, probeRun, runOk } from './support/host';
import { argv } from './support/shell';

const timestamp = z.enum(['now', 'preserve']).default('now');

const args = z
  .object({
    path: z.string().min(1),
    state: z.enum(['file', 'directory', 'absent', 'link', 'hard', 'touch']).default('file'),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
    recurse: z.boolean().default(false),
    /** Target of a link (state: link), the file to link to (state: hard). */
    src: z.string().min(1).optional(),
    /** state: link / hard replace an existing regular file (hard: also another file's hard link). */
    force: z.boolean().default(false),
    /** state: touch; `preserve` on both makes touch idempotent for an existing path. */
    access_time: timestamp,
    modification_time: timestamp,
  })
  .strict()
  .refine((a) => (a.state !== 'link' && a.state !== 'hard') || a.src !== undefined, { message: 'state: link and state: hard need src (the link target)', path: ['src'] })
  .refine((a) => !a.recurse || a.state === 'directory', { message: 'recurse only applies to state: directory', path: ['recurse'] });

type FileArgs = z.infer<typeof args>;

/**
 * One probe: the path itself (never following a link); for recurse, the first entry whose owner or
 * octal mode differs, or every entry's mode for a symbolic one; for hard, the link's source too.
 */
function probeCommand(a: FileArgs): string {
  if (a.state === 'hard') return fileProbesCommand([a.path, a.src as string]);
  const probe = fileProbeCommand(a.path);
  if (!a.recurse) return probe;
  const dir = argv(a.path);
  const modes = a.mode !== undefined && isSymbolicMode(a.mode) ? `\nif [ -d ${dir} ]; then ${treeModesCommand(a.path)}; fi` : '';
  return `(${probe})\nif [ -d ${dir} ]; then printf 'mismatch\\t%s\\n' "$(${findMismatchCommand(a.path, a)})"; fi${modes}`;
}

/** What the probe learnt: the path, whether a recursed tree differs, and the source of a hard link. */
function readFileProbe(a: FileArgs, stdout: string): { probe: FileProbe; treeDiffers: boolean; source?: FileProbe } {
  if (a.state === 'hard') {
    const [probe, source] = parseFileProbes(stdout, 2);
    return { probe, treeDiffers: false, source };
  }
  const probe = parseFileProbe(stdout);
  const modesDiffer = a.mode !== undefined && isSymbolicMode(a.mode) && treeModesDiffer(stdout, a.mode, probe.umask);
  return { probe, treeDiffers: /^mismatch\t./m.test(stdout) || modesDiffer };
}

/** The shell steps that bring the path to the wanted state; empty when it is already there. */
export function planFile(a: FileArgs, probe: FileProbe, treeDiffers: boolean, source?: FileProbe): string[] {
  const wanted: FileAttributes = { owner: a.owner, group: a.group, mode: a.mode };
  const attributes = (base: FileProbe) => attributesToChange(base, wanted);
  // What creating the path gives, for a symbolic mode to start from.
  const fresh: FileProbe = { exists: false, type: a.state === 'directory' ? 'directory' : 'file', umask: probe.umask };
  switch (a.state) {
    case 'absent':
      return probe.exists ? [argv('rm', '-rf', '--', a.path)] : [];
    case 'directory': {
      if (probe.exists && probe.type !== 'directory') throw new ModuleFailure(`${a.path} exists and is a ${probe.type}, not a directory`);
      if (!probe.exists) return [argv('mkdir', '-p', '--', a.path), applyAttributesCommand(a.path, attributes(fresh), { recurse: a.recurse })].filter(Boolean);
      if (a.recurse && treeDiffers) return [applyAttributesCommand(a.path, wanted, { recurse: true })];
      const change = attributes(probe);
      return hasAttributes(change) ? [applyAttributesCommand(a.path, change)] : [];
    }
    case 'file': {
      if (!probe.exists) throw new ModuleFailure(`file ${a.path} is absent (use state: touch to create it, or copy/template)`);
      const change = attributes(probe);
      return hasAttributes(change) ? [applyAttributesCommand(a.path, change, { link: probe.type === 'link' })] : [];
    }
    case 'touch': {
      const touchFlags = [a.access_time === 'now' ? '-a' : undefined, a.modification_time === 'now' ? '-m' : undefined].filter(
        (f): f is string => f !== undefined,
      );
      const steps: string[] = [];
      if (!probe.exists) steps.push(argv('touch', '--', a.path));
      else if (touchFlags.length > 0) steps.push(argv('touch', ...touchFlags, '--', a.path));
      const change = attributes(probe.exists ? probe : fresh);
      if (hasAttributes(change)) steps.push(applyAttributesCommand(a.path, change));
      return steps;
    }
    case 'link': {
      const src = a.src as string;
      if (probe.exists && probe.type === 'directory') throw new ModuleFailure(`${a.path} is a directory; refusing to replace it with a link`);
      if (probe.exists && probe.type !== 'link' && !a.force) throw new ModuleFailure(`${a.path} exists and is not a link (set force: true to replace it)`);
      const steps: string[] = [];
      const relink = !probe.exists || probe.linkTarget !== src;
      if (relink) steps.push(argv('ln', '-sfn', '--', src, a.path));
      const change = attributesToChange(relink ? fresh : probe, { owner: a.owner, group: a.group });
      if (hasAttributes(change)) steps.push(applyAttributesCommand(a.path, change, { link: true }));
      return steps;
    }
    case 'hard': {
      const src = a.src as string;
      if (!source?.exists) throw new ModuleFailure(`cannot hard link ${a.path}: src ${src} does not exist`);
      if (source.type === 'directory') throw new ModuleFailure(`cannot hard link ${a.path} to ${src}: it is a directory`);
      if (probe.exists && probe.type === 'directory') throw new ModuleFailure(`${a.path} is a directory; refusing to replace it with a hard link`);
      const relink = !probe.exists || probe.inode !== source.inode;
      // Like Ansible, a symbolic link gives way without force; a file (or another file's hard link) does not.
      if (relink && probe.exists && probe.type !== 'link' && !a.force) {
        throw new ModuleFailure(`${a.path} exists and is a different file than ${src} (set force: true to replace it)`);
      }
      const steps = relink ? [argv('ln', '-fT', '--', src, a.path)] : [];
      // A hard link is the source's own inode: owner and mode are shared with it.
      const change = attributes(relink ? source : probe);
      if (hasAttributes(change)) steps.push(applyAttributesCommand(a.path, change));
      return steps;
    }
  }
}

export const file: ModuleDefinition<FileArgs> = {
  name: 'file',
  args,
  aliases: { dest: 'path', name: 'path' },
  probe: (a, ctx) => [a.state === 'hard' || a.recurse ? probeRun(ctx, probeCommand(a)) : probeFile(ctx, a.path)],
  async run(a, ctx: ModuleContext): Promise<ModuleResult> {
    const { stdout } = await runOk(ctx, probeCommand(a), `probing ${a.path}`);
    const { probe, treeDiffers, source } = readFileProbe(a, stdout);
    const steps = planFile(a, probe, treeDiffers, source);
    const result: ModuleResult = { changed: steps.length > 0, path: a.path, state: a.state };
    if (steps.length > 0 && !ctx.check) await runOk(ctx, steps.join(' && '), `file ${a.state} ${a.path}`);
    return result;
  },
};
