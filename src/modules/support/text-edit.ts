import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleResult, type ProbeRequest } from '../module';
import { destinationProbe, ensureFile, probeDestination } from './file-content';
import { fileMode } from './mode';

/** Options lineinfile and blockinfile share (Ansible's names). */
export const textEditOptions = {
  path: z.string().min(1),
  state: z.enum(['present', 'absent']).default('present'),
  insertafter: z.string().optional(),
  insertbefore: z.string().optional(),
  create: z.boolean().default(false),
  backup: z.boolean().default(false),
  validate: z.string().includes('%s', { message: "validate must contain '%s' (the new file's path)" }).optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  mode: fileMode.optional(),
};

type TextEditOptions = z.infer<z.ZodObject<typeof textEditOptions>>;

// The edit needs the text: it comes in the same round trip as the attributes.
const WITH_CONTENT = true;

/** What editRemoteText starts with, for lineinfile's and blockinfile's `probe`. */
export function textEditProbe(a: TextEditOptions, ctx: ModuleContext): ProbeRequest[] {
  return [destinationProbe(ctx, a.path, WITH_CONTENT)];
}

/** Reads the file in the same round trip as its attributes, applies the pure edit, converges the result. */
export async function editRemoteText(ctx: ModuleContext, a: TextEditOptions, edit: (text: string) => string): Promise<ModuleResult> {
  const probe = await probeDestination(ctx, a.path, WITH_CONTENT);
  if (!probe.exists) {
    if (a.state === 'absent') return { changed: false, msg: `${a.path} does not exist` };
    if (!a.create) throw new ModuleFailure(`${a.path} does not exist on ${ctx.host} (set create: true to create it)`);
  }
  const before = probe.content?.toString('utf8') ?? '';
  const after = edit(before);
  // An unchanged text keeps its exact bytes (a round trip through UTF-8 could alter invalid sequences).
  const content = probe.exists && after === before ? (probe.content as Buffer) : Buffer.from(after);
  return ensureFile(ctx, { ...a, content }, probe);
}
