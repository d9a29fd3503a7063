import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { fileWriteOptions } from './support/file-options';
import { writeUnlessKept } from './support/write-unless-kept';

const args = z
  .object({ ...fileWriteOptions, content: z.string().optional(), src: z.string().min(1).optional() })
  .strict()
  .refine((a) => (a.content === undefined) !== (a.src === undefined), { message: 'copy needs exactly one of content or src' });

type CopyArgs = z.infer<typeof args>;

function readSource(path: string): Buffer {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ModuleFailure(`copy: src ${path} is a directory; copy one file per task (or use a loop)`);
  }
  return readFileSync(path);
}

export const copy: ModuleDefinition<CopyArgs> = {
  name: 'copy',
  args,
  async run(a, ctx) {
    const content = a.src !== undefined ? readSource(ctx.resolveLocal(a.src, 'files')) : Buffer.from(a.content ?? '');
    const name = a.src !== undefined ? basename(a.src) : undefined;
    const dest = name !== undefined && a.dest.endsWith('/') ? a.dest + name : a.dest;
    return writeUnlessKept(ctx, { ...a, path: dest, content, intoDirectoryAs: name });
  },
};
