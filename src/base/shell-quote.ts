/** Characters Python's shlex.quote leaves bare (its `[\w@%+=:,./-]` under re.ASCII). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * POSIX shell quoting, exactly as Python's shlex.quote (so Ansible's `quote` filter): a word of safe
 * characters stays bare; anything else goes in single quotes, inside which only ' itself needs care,
 * written as '"'"' (close, a double-quoted ', reopen).
 */
export function shlexQuote(value: string): string {
  return SAFE_WORD.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * shlexQuote for a word of a command play runs: a NUL byte is refused, since no shell argument can
 * hold one (the shell would get the word cut short there, silently).
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error(`a NUL byte cannot be passed through a shell: ${JSON.stringify(value)}`);
  return shlexQuote(value);
}

/** A name `export` accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
