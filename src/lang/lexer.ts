/**
 * Tokens of the expression language (a safe subset of Jinja2 expressions). Positions are
 * 0-based offsets into the source; errors report them 1-based as columns.
 */

export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The operator or name text, the string's decoded value, or the number's source. */
  text: string;
  value?: number;
  pos: number;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

// longest first, so `//` is not read as two `/` and `<=` not as `<`
const OPERATORS = ['//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    const number = /^(?:\d+\.\d+|\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      // `a.0.b`: after a dot the number is an attribute name, never a float
      const afterDot = tokens.length > 0 && tokens[tokens.length - 1].text === '.' && tokens[tokens.length - 1].kind === 'op';
      const text = afterDot ? /^\d+/.exec(number[0])![0] : number[0];
      tokens.push({ kind: 'number', text, value: Number(text), pos: start });
      i += text.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      tokens.push({ kind: 'name', text: name, pos: start });
      i += name.length;
    } else if (ch === "'" || ch === '"') {
      const { value, end } = readString(source, i);
      tokens.push({ kind: 'string', text: value, pos: start });
      i = end;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (!op) throw new LexError(`unexpected character '${ch}'`, i);
      tokens.push({ kind: 'op', text: op, pos: start });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: source.length });
  return tokens;
}

function readString(source: string, start: number): { value: string; end: number } {
  const quote = source[start];
  let value = '';
  for (let i = start + 1; i < source.length; i += 1) {
    const ch = source[i];
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\' && i + 1 < source.length) {
      i += 1;
      value += ESCAPES[source[i]] ?? `\\${source[i]}`;
    } else {
      value += ch;
    }
  }
  throw new LexError('unterminated string', start);
}
