/**
 * Ansible's tag selection (taggable.py `evaluate_tags`), including its special tags: `always`
 * runs unless skipped explicitly, `never` runs only when one of its tags is asked for, `all`,
 * `tagged` and `untagged` select by whether a task has tags.
 */
export interface TagSelection {
  /** --tags; empty means `all`. */
  only: string[];
  /** --skip-tags. */
  skip: string[];
}

const UNTAGGED = 'untagged';

export function shouldRun(taskTags: readonly string[], selection: TagSelection): boolean {
  const tags = new Set(taskTags.length > 0 ? taskTags : [UNTAGGED]);
  const tagged = taskTags.length > 0;
  const only = new Set(selection.only.length > 0 ? selection.only : ['all']);
  const skip = new Set(selection.skip);
  const meets = (wanted: Set<string>) => [...tags].some((tag) => wanted.has(tag));

  const selected =
    tags.has('always') ||
    (only.has('all') && !tags.has('never')) ||
    meets(only) ||
    (only.has('tagged') && tagged && !tags.has('never'));
  if (!selected || skip.size === 0) return selected;

  if (skip.has('all')) return tags.has('always') && !skip.has('always');
  if (meets(skip)) return false;
  return !(skip.has('tagged') && tagged);
}

/** Split comma-separated, repeatable CLI values (`--tags a,b --tags c`). */
export function parseTagList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((tag) => tag.trim()).filter(Boolean);
}
