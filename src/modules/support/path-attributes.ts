import { applyAttributesCommand, attributesToChange, hasAttributes, type FileAttributes } from '../commands/attributes';
import { fileProbeCommand, parseFileProbe } from '../commands/file-probe';
import type { ModuleContext } from '../module';
import { runOk } from './host';

/**
 * Ansible's set_fs_attributes_if_different for one existing path: owner, group and mode applied
 * only where they differ (predicted in check mode). Whether anything changed.
 */
export async function ensurePathAttributes(ctx: ModuleContext, path: string, wanted: FileAttributes): Promise<boolean> {
  if (wanted.owner === undefined && wanted.group === undefined && wanted.mode === undefined) return false;
  const probe = parseFileProbe((await runOk(ctx, fileProbeCommand(path, { follow: true }), `probing ${path}`)).stdout);
  const change = attributesToChange(probe, wanted);
  if (!hasAttributes(change)) return false;
  if (!ctx.check) await runOk(ctx, applyAttributesCommand(path, change), `setting owner/mode of ${path}`);
  return true;
}
