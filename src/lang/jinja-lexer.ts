/**
 * Splits a Jinja2 template into text, `{{ }}` outputs and `{% %}` statements, applying Jinja2's
 * whitespace rules: `-` on either side of a tag strips all the whitespace on that side,
 * `trim_blocks` drops the newline right after a `%}` or `#}`, `lstrip_blocks` the spaces and tabs
 * before a `{%` or `{#` that starts its line (`+` turns either off for one tag). Comments leave
 * nothing. Ansible's template module uses trim_blocks on, lstrip_blocks off.
 */

export interface WhitespaceOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
}

export const ANSIBLE_WHITESPACE: WhitespaceOptions = { trimBlocks: true, lstripBlocks: false };

export type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'output' | 'statement'; source: string; line: number };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const OPEN = /\{\{|\{%|\{#/g;
const CLOSE: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };

export function splitTemplate(source: string, options: WhitespaceOptions = ANSIBLE_WHITESPACE): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  let stripNext = false;
  let trimNewline = false;
  const lines = lineCounter(source);
  for (;;) {
    OPEN.lastIndex = pos;
    const open = OPEN.exec(source);
    let text = source.slice(pos, open ? open.index : source.length);
    if (stripNext) text = text.replace(/^\s+/, '');
    else if (trimNewline) text = text.replace(/^\r?\n/, '');
    if (!open) {
      if (text) pieces.push({ kind: 'text', text });
      return pieces;
    }
    const start = open.index + 2;
    const line = lines(open.index);
    const block = open[0] !== '{{';
    const left = source[start] === '-' || source[start] === '+' ? source[start] : '';
    if (left === '-') text = text.replace(/\s+$/, '');
    else if (block && left !== '+' && options.lstripBlocks && startsLine(source, open.index)) text = text.replace(/[ \t]+$/, '');
    if (text) pieces.push({ kind: 'text', text });
    const close = CLOSE[open[0]];
    const end = open[0] === '{#' ? source.indexOf(close, start) : closingOf(source, start, close);
    if (end < 0) throw new TemplateSyntaxError(`'${open[0]}' is never closed by '${close}'`, line);
    const right = end - 1 >= start + left.length && (source[end - 1] === '-' || source[end - 1] === '+') ? source[end - 1] : '';
    const inner = source.slice(start + left.length, end - right.length);
    if (open[0] === '{%' && inner.trim() === 'raw') {
      const after = rawText(source, end + close.length, right, line, options);
      if (after.text) pieces.push({ kind: 'text', text: after.text });
      ({ stripNext, trimNewline, pos } = after);
      continue;
    }
    if (open[0] === '{{') pieces.push({ kind: 'output', source: inner.trim(), line });
    else if (open[0] === '{%') pieces.push({ kind: 'statement', source: inner.trim(), line });
    stripNext = right === '-';
    trimNewline = block && right !== '+' && options.trimBlocks;
    pos = end + close.length;
  }
}

/** The text of `{% raw %}...{% endraw %}` as written (from `from`, after the raw tag), with the tags' whitespace rules. */
function rawText(source: string, from: number, rawRight: string, line: number, options: WhitespaceOptions): { text: string; stripNext: boolean; trimNewline: boolean; pos: number } {
  const endraw = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
  endraw.lastIndex = from;
  const closing = endraw.exec(source);
  if (!closing) throw new TemplateSyntaxError("'{% raw %}' is never closed (expected '{% endraw %}')", line);
  let text = source.slice(from, closing.index);
  // Jinja2 applies no trim_blocks after `{% raw %}`, only its `-`
  if (rawRight === '-') text = text.replace(/^\s+/, '');
  if (closing[1] === '-') text = text.replace(/\s+$/, '');
  else if (closing[1] !== '+' && options.lstripBlocks && startsLine(source, closing.index)) text = text.replace(/[ \t]+$/, '');
  return { text, stripNext: closing[2] === '-', trimNewline: closing[2] !== '+' && options.trimBlocks, pos: closing.index + closing[0].length };
}

/** The index of `close` ending a tag that starts at `from`, skipping quoted strings (`{{ '}}' }}`). */
function closingOf(source: string, from: number, close: string): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i += 1) {
    const ch = source[i];
    if (quote) {
      if (ch === '\\') i += 1;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (source.startsWith(close, i)) return i;
  }
  return -1;
}

/** Whether only spaces and tabs stand between the start of its line and `index`. */
function startsLine(source: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && (source[i] === ' ' || source[i] === '\t')) i -= 1;
  return i < 0 || source[i] === '\n';
}

/** The 1-based line of each index, for indexes that only grow (one pass over the source). */
function lineCounter(source: string): (index: number) => number {
  let line = 1;
  let counted = 0;
  return (index) => {
    for (let i = source.indexOf('\n', counted); i >= 0 && i < index; i = source.indexOf('\n', i + 1)) line += 1;
    counted = Math.max(counted, index);
    return line;
  };
}
