import { z } from 'zod';
import { ModuleFailure, type FileDiff, type ModuleContext, type ModuleDefinition } from './module';
import {
  addSource,
  dumpSources,
  parseSourcesFiles,
  parseSourcesProbe,
  removeSource,
  repoSource,
  sourcesProbeCommand,
  suggestFilename,
  type SourcesFileProbe,
} from './commands/apt-sources';
import { updateCacheCommand } from './commands/apt';
import { aptRun } from './apt';
import { ensureFile, probeDestination } from './support/file-content';
import { fileMode } from './support/mode';
import { argv } from './support/shell';
import { runOk } from './support/host';

const args = z
  .object({
    repo: z.string().min(1, "Please set argument 'repo' to a non-empty value"),
    state: z.enum(['present', 'absent']).default('present'),
    mode: fileMode.optional(),
    update_cache: z.boolean().default(true),
    update_cache_retries: z.number().int().positive().default(5),
    update_cache_retry_max_delay: z.number().int().nonnegative().default(12),
    filename: z.string().min(1).optional(),
    /** Ansible installs python3-apt for itself; play reads the sources files directly and needs nothing installed. */
    install_python_apt: z.boolean().default(true),
    /** Only Ansible's PPA lookup (Launchpad over HTTPS) uses it; accepted for the roles that pass it. */
    validate_certs: z.boolean().default(true),
    /** Only used to expand a `ppa:` line, which Debian has no use for. */
    codename: z.string().optional(),
  })
  .strict();

type AptRepositoryArgs = z.infer<typeof args>;

/** How long apt-get update waits for the lock apt-daily may hold: the apt module's default lock_timeout. */
const LOCK_SECONDS = 600;

/**
 * Makes the sources files hold `wanted` (path → text): a file whose text or wanted mode differs is
 * replaced atomically, a file no longer wanted is deleted.
 */
async function writeSources(ctx: ModuleContext, wanted: Map<string, string>, current: Map<string, SourcesFileProbe>, modes: Map<string, string>): Promise<void> {
  for (const [path, content] of wanted) {
    const was = current.get(path);
    const mode = modes.get(path);
    if (was?.content === content && (mode === undefined || mode === was.mode)) continue;
    await ensureFile(ctx, { path, content: Buffer.from(content), mode }, await probeDestination(ctx, path, false));
  }
  const gone = [...current.keys()].filter((path) => !wanted.has(path));
  if (gone.length > 0) await runOk(ctx, argv('rm', '-f', '--', ...gone), `removing ${gone.join(', ')}`);
}

/** apt-get update, retried with Ansible's backoff (2^n seconds, at most max_delay) when it fails. */
async function updateCache(ctx: ModuleContext, a: AptRepositoryArgs): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await aptRun(ctx, { lock_timeout: LOCK_SECONDS }, updateCacheCommand(LOCK_SECONDS), 'apt-get update');
      return;
    } catch (error) {
      if (attempt + 1 >= a.update_cache_retries) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, a.update_cache_retry_max_delay) * 1000));
  }
}

export const apt_repository: ModuleDefinition<AptRepositoryArgs> = {
  name: 'apt_repository',
  args,
  aliases: { 'update-cache': 'update_cache' },
  async run(a, ctx) {
    if (a.repo.trim().startsWith('ppa:')) {
      throw new ModuleFailure(`${a.repo}: PPAs are Ubuntu's (Launchpad); ${ctx.host} runs Debian, where play does not support them — give a 'deb ...' line instead`);
    }
    let source: string;
    try {
      source = repoSource(a.repo);
    } catch (error) {
      throw new ModuleFailure((error as Error).message);
    }

    const found = parseSourcesProbe((await runOk(ctx, sourcesProbeCommand(), 'reading apt sources')).stdout);
    const files = parseSourcesFiles(new Map([...found].map(([path, f]) => [path, f.content])));
    const edit = a.state === 'present' ? addSource(files, source, suggestFilename(source, a.filename)) : removeSource(files, source);
    const before = dumpSources(files);
    const after = dumpSources(edit.files);
    const paths = [...new Set([...before.keys(), ...after.keys()])];
    const changedPaths = paths.filter((path) => before.get(path) !== after.get(path));
    const changed = changedPaths.length > 0;
    const result = { changed, repo: a.repo, state: a.state };
    if (!changed) return result;

    const diff: FileDiff[] = changedPaths.map((path) => ({ path, before: before.get(path) ?? '', after: after.get(path) ?? '' }));
    if (ctx.check) return { ...result, ...(ctx.diff ? { diff } : {}) };

    // Like Ansible's save(): every file is written back normalized, an emptied one deleted; `mode`
    // applies to the files a line went into (a new one otherwise gets 0644).
    const modes = new Map<string, string>();
    for (const path of edit.added) {
      const mode = a.mode ?? (found.has(path) ? undefined : '0644');
      if (mode !== undefined) modes.set(path, mode);
    }
    await writeSources(ctx, after, found, modes);
    if (a.update_cache) {
      try {
        await updateCache(ctx, a);
      } catch (error) {
        // A repository apt cannot read must not stay behind to break every later apt run: put the files back as they were.
        const written = new Map([...after].map(([path, content]) => [path, { mode: modes.get(path) ?? found.get(path)?.mode ?? '0644', content }]));
        await writeSources(ctx, new Map([...found].map(([path, f]) => [path, f.content])), written, new Map([...found].map(([path, f]) => [path, f.mode])));
        const { message, details } = error as ModuleFailure;
        throw new ModuleFailure(`Failed to update apt cache (the sources files are back as they were): ${message}`, details);
      }
    }
    return { ...result, ...(ctx.diff ? { diff } : {}) };
  },
};
