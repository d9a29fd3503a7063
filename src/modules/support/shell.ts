import { split } from 'shlex';
import { shellQuote } from '../../base/shell-quote';

/** One argument made safe for the remote POSIX shell (Python's shlex.quote): it reaches the program verbatim. */
export function q(arg: string | number): string {
  return shellQuote(String(arg));
}

/** A program and its arguments as one shell command line, every word quoted. */
export function argv(...words: (string | number)[]): string {
  return words.map(q).join(' ');
}

/**
 * Splits a free-form command line into words exactly as Ansible's `command` does (Python's
 * shlex.split): quotes group, but `$VAR`, `*`, `|`, `;` are plain characters, never shell syntax.
 */
export function splitCommandLine(line: string): string[] {
  return split(line);
}
