/**
 * One host to connect to, as the caller names it. Each setting overrides the ssh config for this
 * host only, never for its jump hosts; what is left out comes from the config, as `ssh -F` would
 * take it. Paths are absolute (or start with `~/`): the caller resolves them.
 */
export interface SshTarget {
  /** Matched against the config's Host patterns; the name every error gives the host. */
  name: string;
  hostName?: string;
  port?: number;
  user?: string;
  /** Offered before the config's IdentityFile entries. */
  identityFile?: string;
  /** The OpenSSH config file (`ssh -F`); without one, OpenSSH's defaults. */
  sshConfigFile?: string;
  /** Replaces every UserKnownHostsFile, on every hop. */
  knownHostsFile?: string;
}

/**
 * OpenSSH 9.6's valid_hostname: a name reaches a ProxyCommand's %h, %r and %n under `sh -c`, and a
 * host name is written into known_hosts as it is. Stricter than OpenSSH where that shell or that
 * file would read a character: user names follow the host rule (OpenSSH lets `$`, `,` and inner
 * spaces through), and a host name may not hold known_hosts pattern syntax (`*?![]`), a comment or
 * a marker (`#@`), any of which would record a pattern, or nothing, instead of the host.
 */
const SHELL = `'\`"$\\;&<>|(){},`;
const KNOWN_HOSTS_SYNTAX = '*?![]#@';

function problemWith(value: string, forbidden: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value.startsWith('-')) return 'it starts with "-"';
  for (const char of value) {
    if (/\s/.test(char)) return 'it contains whitespace';
    if (/[\x00-\x1f\x7f]/.test(char)) return 'it contains a control character';
    if (forbidden.includes(char)) return `it contains ${JSON.stringify(char)}`;
  }
  return undefined;
}

/** Why a host name is refused, or undefined when it is usable. */
export function hostNameProblem(value: string): string | undefined {
  const problem = problemWith(value, SHELL + KNOWN_HOSTS_SYNTAX);
  return problem && `invalid host name ${JSON.stringify(value)}: ${problem}`;
}

/** Why a user name is refused, or undefined when it is usable. */
export function userNameProblem(value: string): string | undefined {
  const problem = problemWith(value, SHELL);
  return problem && `invalid user name ${JSON.stringify(value)}: ${problem}`;
}

/** A TCP port from a number or a string of digits; undefined for anything else. */
export function parsePort(value: unknown): number | undefined {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}
