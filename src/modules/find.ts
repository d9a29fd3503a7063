import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { findScript, type FindOutput } from './commands/find-script';
import { run } from './support/host';
import { stringList } from './support/list-arg';

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const BYTES: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Ansible's `age`/`size` grammar: a signed number and an optional unit; a negative one means "at most". */
function quantity(units: Record<string, number>, what: string) {
  const grammar = new RegExp(`^(-?\\d+)([${Object.keys(units).join('')}])?$`);
  return z.union([z.string(), z.number().int()]).transform((value, ctx) => {
    const match = grammar.exec(String(value).toLowerCase());
    if (!match) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `failed to process ${what} '${value}' (a number with an optional unit ${Object.keys(units).join(', ')})` });
      return z.NEVER;
    }
    return Number(match[1]) * (units[match[2] ?? Object.keys(units)[0]] ?? 1);
  });
}

const args = z
  .object({
    paths: stringList.pipe(z.array(z.string().min(1)).min(1)),
    patterns: stringList.default([]),
    excludes: stringList.optional(),
    contains: z.string().optional(),
    read_whole_file: z.boolean().default(false),
    file_type: z.enum(['any', 'directory', 'file', 'link']).default('file'),
    age: quantity(SECONDS, 'age').optional(),
    age_stamp: z.enum(['atime', 'ctime', 'mtime']).default('mtime'),
    size: quantity(BYTES, 'size').optional(),
    recurse: z.boolean().default(false),
    hidden: z.boolean().default(false),
    follow: z.boolean().default(false),
    get_checksum: z.boolean().default(false),
    use_regex: z.boolean().default(false),
    depth: z.number().int().optional(),
  })
  .strict();

type FindArgs = z.infer<typeof args>;

/** ansible.builtin.find: files matching the criteria, with stat-like details; never changes anything. */
export const find: ModuleDefinition<FindArgs> = {
  name: 'find',
  args,
  aliases: { name: 'paths', path: 'paths', pattern: 'patterns', exclude: 'excludes' },
  async run(a, ctx) {
    // No pattern matches everything (also when only excludes are given), as in Ansible.
    const patterns = a.patterns.length > 0 ? a.patterns : [a.use_regex ? '.*' : '*'];
    const script = findScript({ ...a, patterns, excludes: a.excludes ?? [] });
    const result = await run(ctx, 'python3 -', { stdin: script });
    if (result.exitCode !== 0) {
      const reason = result.stderr.trim().split('\n').slice(-1)[0] ?? '';
      throw new ModuleFailure(`find failed on ${ctx.host} (exit ${result.exitCode}; it needs python3 there): ${reason}`);
    }
    const out = JSON.parse(result.stdout) as FindOutput;
    const skipped = Object.keys(out.skipped_paths).length > 0;
    return {
      changed: false,
      files: out.files,
      matched: out.files.length,
      examined: out.examined,
      skipped_paths: out.skipped_paths,
      msg: skipped ? 'Not all paths examined, check warnings for details' : 'All paths examined',
      ...(skipped ? { warnings: Object.entries(out.skipped_paths).map(([path, why]) => `Skipped '${path}' path due to this access issue: ${why}`) } : {}),
    };
  },
};
