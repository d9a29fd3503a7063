/**
 * Python `re` patterns as JavaScript RegExps, for the modules whose arguments are Python regexes
 * (replace, find's use_regex). The syntax differences roles actually use are translated; anything
 * JavaScript cannot express fails with the pattern named rather than matching differently.
 */

const INLINE_FLAGS: Record<string, string> = { i: 'i', m: 'm', s: 's' };

/** Translates a Python pattern; `flags` are JavaScript flags the module always adds (Python's re.MULTILINE → 'm'). */
export function pythonRegex(pattern: string, flags = ''): RegExp {
  let source = pattern;
  const wanted = new Set(flags);
  // Leading global inline flags `(?im)`: JavaScript takes them as RegExp flags.
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    for (const flag of inline[1]) {
      if (flag === 'x') throw new Error(`the Python verbose flag (?x) is not supported in regex ${JSON.stringify(pattern)}`);
      if (INLINE_FLAGS[flag]) wanted.add(INLINE_FLAGS[flag]);
    }
    source = source.slice(inline[0].length);
  }
  source = translate(source);
  try {
    return new RegExp(source, [...wanted].join(''));
  } catch (error) {
    throw new Error(`invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

/** Token by token, so that escapes and character classes are never rewritten. */
function translate(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      // A `]` right after `[` or `[^` is a literal in Python, the end of an empty class in JavaScript.
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (source.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(source.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/**
 * Python's re.sub replacement template for one match: `\1`, `\g<1>`, `\g<name>`, the character
 * escapes; a group that did not take part is empty (Python 3.5+). `$` is a plain character.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (whole, name: string | undefined, index: string | undefined, other: string | undefined) => {
    if (name !== undefined) return (/^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name]) ?? '';
    if (index !== undefined) return match[Number(index)] ?? '';
    if (other !== undefined && ESCAPES[other] !== undefined) return ESCAPES[other];
    // Python keeps unknown escapes of punctuation as written (`\.` stays `\.`).
    return whole;
  });
}

/** Python's re.subn over the whole text: the new text and the number of replacements. */
export function substitute(regex: RegExp, template: string, text: string): { text: string; count: number } {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
  let count = 0;
  const replaced = text.replace(global, (...args: unknown[]) => {
    count++;
    const groupsArg = args[args.length - 1];
    const hasGroups = typeof groupsArg === 'object' && groupsArg !== null;
    const captures = args.slice(0, hasGroups ? -3 : -2) as string[];
    const match = Object.assign([...captures], { index: 0, input: text, groups: hasGroups ? (groupsArg as Record<string, string>) : undefined }) as unknown as RegExpExecArray;
    return expandTemplate(template, match);
  });
  return { text: replaced, count };
}
