import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { fileProbeCommand, parseFileProbe, type FileProbeOptions } from './commands/file-probe';
import { probeFile, runOk } from './support/host';

const args = z
  .object({
    path: z.string().min(1),
    follow: z.boolean().default(false),
    get_checksum: z.boolean().default(true),
    /** sha1 by default, as Ansible's stat (so `stat.checksum` compares with Ansible's); sha256 on request. */
    checksum_algorithm: z.enum(['sha1', 'sha256']).default('sha1'),
  })
  .strict();

type StatArgs = z.infer<typeof args>;

function statOptions(a: StatArgs): FileProbeOptions {
  return { follow: a.follow, checksum: a.get_checksum ? a.checksum_algorithm : undefined };
}

/** Ansible's stat dictionary, from one probe. Never changes anything. */
export const stat: ModuleDefinition<StatArgs> = {
  name: 'stat',
  args,
  aliases: { dest: 'path', name: 'path' },
  probe: (a, ctx) => [probeFile(ctx, a.path, statOptions(a))],
  async run(a, ctx) {
    const probe = parseFileProbe((await runOk(ctx, fileProbeCommand(a.path, statOptions(a)), `stat ${a.path}`)).stdout);
    if (!probe.exists) return { changed: false, stat: { exists: false, path: a.path } };
    return {
      changed: false,
      stat: {
        exists: true,
        path: a.path,
        mode: probe.mode,
        isdir: probe.type === 'directory',
        isreg: probe.type === 'file',
        islnk: probe.type === 'link',
        ...(probe.linkTarget !== undefined ? { lnk_source: probe.linkTarget, lnk_target: probe.linkTarget } : {}),
        uid: probe.uid,
        gid: probe.gid,
        pw_name: probe.owner,
        gr_name: probe.group,
        size: probe.size,
        mtime: probe.mtime,
        ...(probe.checksum !== undefined ? { checksum: probe.checksum, checksum_algorithm: a.checksum_algorithm } : {}),
      },
    };
  },
};
