import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { ensureFile, probeDestination } from './support/file-content';
import { fileMode } from './support/mode';
import { pythonRegex, substitute } from './support/python-regex';

/** Python codec names roles write, mapped to the encodings Node reads and writes. */
const ENCODINGS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', latin1: 'latin1', 'iso-8859-1': 'latin1', ascii: 'ascii', 'utf-16-le': 'utf16le', 'utf-16le': 'utf16le',
};

const pattern = z.string().superRefine((value, ctx) => {
  try {
    pythonRegex(value);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

const args = z
  .object({
    path: z.string().min(1),
    regexp: pattern,
    replace: z.string().default(''),
    after: pattern.optional(),
    before: pattern.optional(),
    backup: z.boolean().default(false),
    validate: z.string().includes('%s', { message: "validate must contain '%s' (the new file's path)" }).optional(),
    encoding: z
      .string()
      .transform((name) => name.toLowerCase().replace(/_/g, '-'))
      .refine((name) => ENCODINGS[name] !== undefined, { message: `encoding takes ${Object.keys(ENCODINGS).join(', ')}` })
      .default('utf-8'),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
  })
  .strict();

type ReplaceArgs = z.infer<typeof args>;

/**
 * Ansible's section: the text after the first match of `after` and/or before the following match of
 * `before` (one DOTALL regex, as Ansible builds it); undefined when they do not match.
 */
function section(text: string, a: ReplaceArgs): { start: number; end: number } | undefined {
  if (a.after === undefined && a.before === undefined) return { start: 0, end: text.length };
  const source = a.after !== undefined && a.before !== undefined ? `${a.after}(?P<subsection>.*?)${a.before}` : a.after !== undefined ? `${a.after}(?P<subsection>.*)` : `(?P<subsection>.*)${a.before}`;
  const match = pythonRegex(source, 'sd').exec(text);
  const span = match?.indices?.groups?.subsection;
  return span ? { start: span[0], end: span[1] } : undefined;
}

/** The new text and Ansible's message; the text is unchanged when nothing is replaced. */
export function replaceText(text: string, a: ReplaceArgs): { text: string; msg: string } {
  const span = section(text, a);
  if (!span) return { text, msg: 'Pattern for before/after params did not match the given file' };
  const part = text.slice(span.start, span.end);
  const result = substitute(pythonRegex(a.regexp, 'm'), a.replace, part);
  if (result.count === 0 || result.text === part) return { text, msg: '' };
  return { text: text.slice(0, span.start) + result.text + text.slice(span.end), msg: `${result.count} replacements made` };
}

/** ansible.builtin.replace: every match of a Python regex in the file (or a section of it) replaced. */
export const replace: ModuleDefinition<ReplaceArgs> = {
  name: 'replace',
  args,
  aliases: { dest: 'path', destfile: 'path', name: 'path' },
  async run(a, ctx) {
    const probe = await probeDestination(ctx, a.path, true);
    if (!probe.exists) throw new ModuleFailure(`Path ${a.path} does not exist ! (on ${ctx.host})`, { rc: 257 });
    if (probe.type === 'directory') throw new ModuleFailure(`Path ${a.path} is a directory ! (on ${ctx.host})`, { rc: 256 });
    const encoding = ENCODINGS[a.encoding];
    const before = (probe.content ?? Buffer.alloc(0)).toString(encoding);
    const edited = replaceText(before, a);
    // An unchanged text keeps its exact bytes (decoding and encoding again could alter them).
    const content = edited.text === before ? (probe.content ?? Buffer.alloc(0)) : Buffer.from(edited.text, encoding);
    const result = await ensureFile(ctx, { path: a.path, content, owner: a.owner, group: a.group, mode: a.mode, backup: a.backup, validate: a.validate }, probe);
    return { ...result, msg: edited.msg || (result.changed ? 'ownership, perms or SE linux context changed' : '') };
  },
};
