import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import { applyAttributesCommand, attributesToChange, findMismatchCommand, hasAttributes, type FileAttributes } from './commands/attributes';
import { fileProbeCommand, parseFileProbe, type FileProbe } from './commands/file-probe';
import { fileMode } from './support/mode';
import { runOk } from './support/host';
import { argv } from './support/shell';

const timestamp = z.enum(['now', 'preserve']).default('now');

const args = z
  .object({
    path: z.string().min(1),
    state: z.enum(['file', 'directory', 'absent', 'link', 'touch']).default('file'),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
    recurse: z.boolean().default(false),
    /** Target of a link (state: link). */
    src: z.string().min(1).optional(),
    /** state: link replaces an existing regular file. */
    force: z.boolean().default(false),
    /** state: touch; `preserve` on both makes touch idempotent for an existing path. */
    access_time: timestamp,
    modification_time: timestamp,
  })
  .strict()
  .refine((a) => a.state !== 'link' || a.src !== undefined, { message: 'state: link needs src (the link target)', path: ['src'] })
  .refine((a) => !a.recurse || a.state === 'directory', { message: 'recurse only applies to state: directory', path: ['recurse'] });

type FileArgs = z.infer<typeof args>;

/** One probe: the path itself (never following a link) and, for recurse, the first entry that differs. */
function probeCommand(a: FileArgs): string {
  const probe = fileProbeCommand(a.path);
  if (!a.recurse) return probe;
  return `(${probe})\nif [ -d ${argv(a.path)} ]; then printf 'mismatch\\t%s\\n' "$(${findMismatchCommand(a.path, a)})"; fi`;
}

/** The shell steps that bring the path to the wanted state; empty when it is already there. */
export function planFile(a: FileArgs, probe: FileProbe, treeDiffers: boolean): string[] {
  const wanted: FileAttributes = { owner: a.owner, group: a.group, mode: a.mode };
  const attributes = (base: FileProbe) => attributesToChange(base, wanted);
  const fresh: FileProbe = { exists: false };
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
  }
}

export const file: ModuleDefinition<FileArgs> = {
  name: 'file',
  args,
  async run(a, ctx: ModuleContext): Promise<ModuleResult> {
    const { stdout } = await runOk(ctx, probeCommand(a), `probing ${a.path}`);
    const treeDiffers = /^mismatch\t./m.test(stdout);
    const steps = planFile(a, parseFileProbe(stdout), treeDiffers);
    const result: ModuleResult = { changed: steps.length > 0, path: a.path, state: a.state };
    if (steps.length > 0 && !ctx.check) await runOk(ctx, steps.join(' && '), `file ${a.state} ${a.path}`);
    return result;
  },
};
