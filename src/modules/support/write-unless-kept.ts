import type { FileAttributes } from '../commands/attributes';
import type { ModuleContext, ModuleResult } from '../module';
import { ensureFile, probeDestination, type DesiredFile } from './file-content';

export interface KeptFile extends DesiredFile, FileAttributes {
  /** false: an existing destination is kept as it is. */
  force: boolean;
  /** copy's `src` file name: a destination that is a directory receives the file under this name (like cp). */
  intoDirectoryAs?: string;
}

/** copy/template: probe the destination, honour force and directory destinations, converge. */
export async function writeUnlessKept(ctx: ModuleContext, desired: KeptFile): Promise<ModuleResult> {
  let probe = await probeDestination(ctx, desired.path, false);
  let path = desired.path;
  if (probe.type === 'directory' && desired.intoDirectoryAs !== undefined) {
    path = `${path.replace(/\/+$/, '')}/${desired.intoDirectoryAs}`;
    probe = await probeDestination(ctx, path, false);
  }
  if (probe.exists && !desired.force) return { changed: false, dest: path, msg: 'dest exists and force is false' };
  return ensureFile(ctx, { ...desired, path }, probe);
}
