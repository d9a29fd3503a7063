import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition, type ModuleResult } from './module';
import { copyTree, localSource } from './support/copy-tree';
import { destinationProbe, probeDestination } from './support/file-content';
import { fileWriteOptions } from './support/file-options';
import { writeUnlessKept } from './support/write-unless-kept';

const args = z
  .object({
    ...fileWriteOptions,
    content: z.string().optional(),
    src: z.string().min(1).optional(),
    /** src is a file already on the host, not on the controller. */
    remote_src: z.boolean().default(false),
  })
  .strict()
  .refine((a) => (a.content === undefined) !== (a.src === undefined), { message: 'copy needs exactly one of content or src' })
  .refine((a) => !a.remote_src || a.src !== undefined, { message: 'remote_src: true needs src (a file on the host)', path: ['remote_src'] });

type CopyArgs = z.infer<typeof args>;

/** Where a single file lands: a dest ending in '/' is a directory that receives it under its own name. */
function fileDestination(a: CopyArgs, name: string): string {
  return a.dest.endsWith('/') ? a.dest + name : a.dest;
}

/** remote_src: the host's own file, read with its checksum in one round trip, then converged like any other content. */
async function copyOnHost(a: CopyArgs, src: string, ctx: ModuleContext): Promise<ModuleResult> {
  const probe = await probeDestination(ctx, src, true);
  if (!probe.exists) throw new ModuleFailure(`copy: remote src ${src} does not exist on ${ctx.host}`);
  if (probe.type !== 'file' || probe.content === undefined) {
    throw new ModuleFailure(`copy: remote src ${src} on ${ctx.host} is a ${probe.type}; remote_src copies one regular file`);
  }
  const name = basename(src);
  return writeUnlessKept(ctx, { ...a, path: fileDestination(a, name), content: probe.content, intoDirectoryAs: name });
}

export const copy: ModuleDefinition<CopyArgs> = {
  name: 'copy',
  args,
  async run(a, ctx) {
    if (a.src === undefined) return writeUnlessKept(ctx, { ...a, path: a.dest, content: Buffer.from(a.content ?? '') });
    if (a.remote_src) return copyOnHost(a, a.src, ctx);
    const local = ctx.resolveLocal(a.src, 'files');
    if (statSync(local, { throwIfNoEntry: false })?.isDirectory()) {
      // As Ansible: 'dir/' copies the directory's contents into dest, 'dir' the directory itself.
      const dest = a.src.endsWith('/') ? a.dest.replace(/(.)\/+$/, '$1') : `${a.dest.replace(/\/+$/, '')}/${basename(local)}`;
      return copyTree(ctx, local, dest, a);
    }
    const name = basename(a.src);
    const source = localSource(ctx, local);
    return writeUnlessKept(source.ctx, { ...a, path: fileDestination(a, name), content: source.content, intoDirectoryAs: name });
  },
  probe(a, ctx) {
    if (a.src === undefined) return [destinationProbe(ctx, a.dest)];
    if (a.remote_src) return [destinationProbe(ctx, a.src, true)];
    if (statSync(ctx.resolveLocal(a.src, 'files'), { throwIfNoEntry: false })?.isDirectory()) return undefined;
    return [destinationProbe(ctx, fileDestination(a, basename(a.src)))];
  },
};
