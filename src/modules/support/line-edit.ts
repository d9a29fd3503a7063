import { findLine, fromLines, insertionIndex, toLines } from './text-lines';

export interface LineEdit {
  state: 'present' | 'absent';
  line?: string;
  regexp?: string;
  search_string?: string;
  insertafter?: string;
  insertbefore?: string;
  firstmatch?: boolean;
  backrefs?: boolean;
}

/** Python-style `\1` / `\g<name>` group references, as Ansible's backrefs use them. */
function expandBackrefs(template: string, match: RegExpExecArray): string {
  return template.replace(/\\(\d+)|\\g<(\w+)>/g, (_, index: string | undefined, name: string | undefined) => {
    const value = index !== undefined ? match[Number(index)] : /^\d+$/.test(name as string) ? match[Number(name)] : match.groups?.[name as string];
    return value ?? '';
  });
}

/** lineinfile's decision: the new text of the file (equal to the input when nothing changes). */
export function editLine(text: string, edit: LineEdit): string {
  const doc = toLines(text);
  const regexp = edit.regexp !== undefined ? new RegExp(edit.regexp) : undefined;
  const matches = (l: string): boolean =>
    regexp ? regexp.test(l) : edit.search_string !== undefined ? l.includes(edit.search_string) : l === edit.line;

  if (edit.state === 'absent') {
    const kept = doc.lines.filter((l) => !matches(l));
    return kept.length === doc.lines.length ? text : fromLines({ ...doc, lines: kept }, false);
  }

  const line = edit.line as string;
  const at = findLine(doc.lines, matches, edit.firstmatch);
  if (at >= 0) {
    const replacement = edit.backrefs && regexp ? expandBackrefs(line, regexp.exec(doc.lines[at]) as RegExpExecArray) : line;
    if (doc.lines[at] === replacement) return text;
    const lines = [...doc.lines];
    lines[at] = replacement;
    return fromLines({ ...doc, lines }, false);
  }
  // backrefs: a line that does not match is left alone (Ansible), never appended.
  if (edit.backrefs) return text;
  if ((regexp || edit.search_string !== undefined) && doc.lines.includes(line)) return text;
  const index = insertionIndex(doc.lines, edit);
  const lines = [...doc.lines.slice(0, index), line, ...doc.lines.slice(index)];
  return fromLines({ ...doc, lines }, index === doc.lines.length);
}
