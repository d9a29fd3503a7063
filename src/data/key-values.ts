/** Jinja2's block delimiters: whitespace inside one never splits an argument (`msg={{ a | default('x y') }}`). */
const JINJA_CLOSERS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };

/**
 * Splits `a=1 b="x y" c={{ d | e }}` into words as Ansible's `split_args` does: whitespace
 * separates words except inside quotes (a backslash escapes the next character) and inside
 * Jinja2 blocks. Throws on an unclosed quote or block, as Ansible refuses those too.
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  const closers: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const pair = text.slice(i, i + 2);
    if (quote !== undefined) {
      word += char;
      if (char === '\\' && i + 1 < text.length) word += text[++i];
      else if (char === quote) quote = undefined;
    } else if (pair in JINJA_CLOSERS) {
      closers.push(JINJA_CLOSERS[pair]);
      word += pair;
      i++;
    } else if (closers.length > 0 && pair === closers[closers.length - 1]) {
      closers.pop();
      word += pair;
      i++;
    } else if (char === '"' || char === "'") {
      quote = char;
      word += char;
    } else if (/\s/.test(char) && closers.length === 0) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += char;
    }
  }
  if (quote !== undefined) throw new Error(`no closing quotation (${quote}) in: ${text}`);
  if (closers.length > 0) throw new Error(`unclosed Jinja2 block (missing ${closers[closers.length - 1]}) in: ${text}`);
  if (word !== '') words.push(word);
  return words;
}

/** `"a b"` → `a b`, as Ansible's `unquote`: only a value quoted at both ends (the last quote not escaped). */
function unquote(value: string): string {
  const quoted = value.length > 1 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0] && value[value.length - 2] !== '\\';
  return quoted ? value.slice(1, -1) : value;
}

export interface KeyValueArgs {
  values: Record<string, string>;
  /** Words that are not `key=value` (or, with `onlyKeys`, whose key is not one of them), in order. */
  raw: string[];
}

/**
 * `key=value key2="a b"` as Ansible's `parse_kv` reads it. With `onlyKeys` (its `check_raw`, for
 * command and shell), only those keys are options and every other word stays in the command line.
 */
export function parseKv(text: string, onlyKeys?: ReadonlySet<string>): KeyValueArgs {
  const values: Record<string, string> = {};
  const raw: string[] = [];
  for (const word of splitArgs(text)) {
    const equals = unescapedEquals(word);
    const key = equals > 0 ? word.slice(0, equals).trim() : '';
    if (key === '' || (onlyKeys !== undefined && !onlyKeys.has(key))) raw.push(word);
    else values[key] = unquote(word.slice(equals + 1).trim());
  }
  return { values, raw };
}

function unescapedEquals(word: string): number {
  for (let i = 1; i < word.length; i++) if (word[i] === '=' && word[i - 1] !== '\\') return i;
  return -1;
}

/**
 * `key=value key2="a b"` where nothing else is allowed (`-e`, modules without free-form text).
 * Returns the unreadable rest of the text when something in it is not a key=value pair.
 */
export function parseKeyValues(text: string): { values: Record<string, string> } | { unreadable: string } {
  let parsed: KeyValueArgs;
  try {
    parsed = parseKv(text);
  } catch (err) {
    return { unreadable: (err as Error).message };
  }
  return parsed.raw.length > 0 ? { unreadable: parsed.raw.join(' ') } : { values: parsed.values };
}
