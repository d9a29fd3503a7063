import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../../modules/module';

/**
 * Unified diffs for --diff. A secret file (no_log, vault-derived content) shows that it changes,
 * never how: the content would leak through the diff even when every line is redacted.
 */
export function diffTexts(diffs: readonly FileDiff[], hideAll: boolean): string[] {
  return diffs.map((d) => {
    if (hideAll || d.secret) return `--- ${d.path}\n+++ ${d.path}\n(content hidden: the task is no_log or the file holds secrets)`;
    return createTwoFilesPatch(d.path, d.path, d.before, d.after, 'before', 'after', { context: 3 }).replace(/^Index: .*\n=+\n/, '');
  });
}
