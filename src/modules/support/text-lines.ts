/** A text file as lines, remembering whether it ended with a newline, so an edit changes only what it means to. */
export interface TextLines {
  lines: string[];
  trailingNewline: boolean;
}

export function toLines(text: string): TextLines {
  if (text === '') return { lines: [], trailingNewline: true };
  const trailingNewline = text.endsWith('\n');
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, trailingNewline };
}

/** Lines added at the end of a file that lacked a final newline get one, as every tool expects. */
export function fromLines(text: TextLines, appended: boolean): string {
  if (text.lines.length === 0) return '';
  return text.lines.join('\n') + (text.trailingNewline || appended ? '\n' : '');
}

/** Index of the last (or first) line matching, -1 when none. */
export function findLine(lines: string[], test: (line: string) => boolean, first = false): number {
  if (first) return lines.findIndex(test);
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i])) return i;
  return -1;
}

/**
 * Where to insert new lines: after the last line matching `insertafter`, before the one matching
 * `insertbefore`; `EOF`/`BOF` and no match mean the end (Ansible's rules).
 */
export function insertionIndex(lines: string[], where: { insertafter?: string; insertbefore?: string; firstmatch?: boolean }): number {
  if (where.insertbefore !== undefined) {
    if (where.insertbefore === 'BOF') return 0;
    const re = new RegExp(where.insertbefore);
    const at = findLine(lines, (l) => re.test(l), where.firstmatch);
    return at >= 0 ? at : lines.length;
  }
  if (where.insertafter !== undefined && where.insertafter !== 'EOF') {
    const re = new RegExp(where.insertafter);
    const at = findLine(lines, (l) => re.test(l), where.firstmatch);
    return at >= 0 ? at + 1 : lines.length;
  }
  return lines.length;
}
