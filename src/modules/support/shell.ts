import { parse } from 'shell-quote';

/** One argument made safe for the remote POSIX shell: it reaches the program verbatim. */
export function q(arg: string | number): string {
  const text = String(arg);
  // Words of only these characters mean the same to the shell unquoted; keeps logged commands readable.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A program and its arguments as one shell command line, every word quoted. */
export function argv(...words: (string | number)[]): string {
  return words.map(q).join(' ');
}

/**
 * Splits a free-form command line into words the way Ansible's `command` does (shlex): quotes
 * group, but `$VAR`, `*`, `|`, `;`, `#` are plain characters, never shell syntax.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const entry of parse(line, (name) => `$${name}`)) {
    if (typeof entry === 'string') words.push(entry);
    else if ('op' in entry && entry.op === 'glob') words.push(entry.pattern);
    else if ('op' in entry) words.push(entry.op);
    else words.push(`#${entry.comment}`);
  }
  return words;
}
