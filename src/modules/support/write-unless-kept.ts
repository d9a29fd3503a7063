import type { FileAttributes } from '../commands/attributes';
import type { ModuleContext, ModuleResult } from '../module';
import { ensureFile, probeDestination, type DesiredFile } from './file-content';

/** copy/template: `force: false` keeps an existing destination as it is. */
export async function writeUnlessKept(
  ctx: ModuleContext,
  desired: DesiredFile & FileAttributes & { force: boolean },
): Promise<ModuleResult> {
  const probe = await probeDestination(ctx, desired.path, false);
  if (probe.exists && !desired.force) return { changed: false, dest: desired.path, msg: 'dest exists and force is false' };
  return ensureFile(ctx, desired, probe);
}
