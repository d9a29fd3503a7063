import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyAttributesCommand, hasAttributes } from '../commands/attributes';
import { fileProbesCommand, parseFileProbes } from '../commands/file-probe';
import { ModuleFailure, type FileDiff, type ModuleContext, type ModuleResult } from '../module';
import { ensureFile } from './file-content';
import { runOk } from './host';
import { argv } from './shell';
import type { KeptFile } from './write-unless-kept';

/** A local directory's contents, relative to it: directories parents first, then files (links followed, as Ansible's local_follow). */
export interface LocalTree {
  directories: string[];
  files: string[];
}

export function listLocalTree(root: string): LocalTree {
  const tree: LocalTree = { directories: [], files: [] };
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const entry = relative === '' ? name : `${relative}/${name}`;
      if (statSync(join(root, entry)).isDirectory()) {
        tree.directories.push(entry);
        walk(entry);
      } else tree.files.push(entry);
    }
  };
  walk('');
  return tree;
}

/** A controller file to deploy, and the context to write it in: a vaulted file's diff is secret. */
export function localSource(ctx: ModuleContext, path: string): { ctx: ModuleContext; content: Buffer } {
  const file = ctx.readLocalFile(path);
  return { ctx: file.secret ? { ...ctx, noLog: true } : ctx, content: file.content };
}

export type TreeOptions = Omit<KeptFile, 'path' | 'content' | 'intoDirectoryAs'>;

/**
 * copy of a local directory into `dest` (created with its parents when missing): one round trip
 * probes every destination, then only the files whose content or attributes differ are written
 * (each atomically, by ensureFile); `mode` applies to the files, owner and group to created
 * directories too.
 */
export async function copyTree(ctx: ModuleContext, localRoot: string, dest: string, options: TreeOptions): Promise<ModuleResult> {
  const tree = listLocalTree(localRoot);
  const directories = ['', ...tree.directories];
  const remote = (relative: string) => (relative === '' ? dest : `${dest}/${relative}`);
  const paths = [...directories, ...tree.files].map(remote);
  const { stdout } = await runOk(ctx, fileProbesCommand(paths, { follow: true, checksum: 'sha256' }), `probing ${dest}`);
  const probes = parseFileProbes(stdout, paths.length);

  const missing: string[] = [];
  directories.forEach((relative, index) => {
    const probe = probes[index];
    if (!probe.exists) missing.push(remote(relative));
    else if (probe.type !== 'directory') throw new ModuleFailure(`${remote(relative)} exists on ${ctx.host} and is a ${probe.type}, not a directory`);
  });
  if (missing.length > 0 && !ctx.check) {
    const ownership = { owner: options.owner, group: options.group };
    const chown = hasAttributes(ownership) ? missing.map((path) => applyAttributesCommand(path, ownership)) : [];
    await runOk(ctx, [argv('mkdir', '-p', '--', ...missing), ...chown].join(' && '), `creating directories under ${dest}`);
  }

  let changed = missing.length > 0;
  const diff: FileDiff[] = [];
  for (const [index, relative] of tree.files.entries()) {
    const probe = probes[directories.length + index];
    if (probe.exists && !options.force) continue;
    const source = localSource(ctx, join(localRoot, relative));
    const written = await ensureFile(source.ctx, { ...options, path: remote(relative), content: source.content }, probe);
    changed ||= written.changed;
    diff.push(...(written.diff ?? []));
  }
  return { changed, dest, ...(diff.length > 0 ? { diff } : {}) };
}
