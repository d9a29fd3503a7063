import { fromLines, insertionIndex, toLines } from './text-lines';

export interface BlockEdit {
  state: 'present' | 'absent';
  block: string;
  /** `{mark}` is replaced by marker_begin / marker_end. */
  marker: string;
  marker_begin: string;
  marker_end: string;
  insertafter?: string;
  insertbefore?: string;
}

/** blockinfile's decision: the new text of the file. An empty block removes the markers, as in Ansible. */
export function editBlock(text: string, edit: BlockEdit): string {
  const doc = toLines(text);
  const begin = edit.marker.replace('{mark}', edit.marker_begin);
  const end = edit.marker.replace('{mark}', edit.marker_end);
  const start = doc.lines.indexOf(begin);
  const stop = start >= 0 ? doc.lines.indexOf(end, start + 1) : -1;
  const present = start >= 0 && stop >= 0;

  const blockLines = edit.block === '' ? [] : toLines(edit.block).lines;
  const wanted = edit.state === 'present' && blockLines.length > 0 ? [begin, ...blockLines, end] : [];

  let lines: string[];
  let index: number;
  if (present) {
    lines = [...doc.lines.slice(0, start), ...doc.lines.slice(stop + 1)];
    index = start;
  } else {
    if (wanted.length === 0) return text;
    lines = doc.lines;
    index = insertionIndex(lines, edit);
  }
  const result = [...lines.slice(0, index), ...wanted, ...lines.slice(index)];
  return fromLines({ ...doc, lines: result }, index === lines.length && wanted.length > 0);
}
