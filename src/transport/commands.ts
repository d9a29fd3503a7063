/**
 * Pure builders for the shell text play sends to a host. Every operation is ONE command line (one
 * exec channel, one round trip): the remote `sh` does the sequencing, not the controller.
 */
import { ENV_NAME, shellQuote } from '../base/shell-quote';

export interface BecomeSpec {
  become?: boolean;
  becomeUser?: string;
}

/**
 * Wraps a shell script so it runs as the become user. `-n` makes sudo fail instead of prompting
 * (nobody is there to answer); `-H` gives the user's own HOME so tools write their dotfiles there.
 */
export function wrapBecome(script: string, spec: BecomeSpec): string {
  if (!spec.become) return script;
  return `${sudoShell(spec)} -c ${shellQuote(script)}`;
}

/** The become shell reading its script from stdin (`sh -s`), for a script too long to log as a command line. */
export function wrapBecomeStdin(spec: BecomeSpec): string {
  return `${sudoShell(spec)} -s`;
}

function sudoShell(spec: BecomeSpec): string {
  return `sudo -n -H -u ${shellQuote(spec.becomeUser ?? 'root')} -- sh`;
}

/** sudo's own refusals, told apart from the command's failures by their fixed wording. */
const SUDO_REFUSALS = [/^sudo: a password is required/m, /^sudo: a terminal is required/m, /^sudo: unknown user/m, /is not in the sudoers file/, /^sudo: .*: command not found/m];

export function sudoRefusal(stderr: string): string | undefined {
  return stderr.split('\n').find((line) => SUDO_REFUSALS.some((pattern) => pattern.test(line)))?.trim();
}

export interface RunSpec extends BecomeSpec {
  cwd?: string;
  env?: Record<string, string>;
}

/** The command line for `run`: environment and directory are set inside the become shell, since sudo resets both. */
export function buildRunCommand(command: string, spec: RunSpec = {}): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  if (spec.cwd !== undefined) lines.push(`cd -- ${shellQuote(spec.cwd)} || exit 1`);
  lines.push(command);
  return wrapBecome(lines.join('\n'), spec);
}

/** Exit statuses of the put script, one per step, so the controller can say which step failed. */
export const PUT_STEP_EXIT = {
  tempfile: 90,
  write: 91,
  mode: 92,
  owner: 93,
  validate: 94,
  rename: 95,
} as const;
export type PutStep = keyof typeof PUT_STEP_EXIT;

export function putStepForExit(code: number): PutStep | undefined {
  return (Object.keys(PUT_STEP_EXIT) as PutStep[]).find((step) => PUT_STEP_EXIT[step] === code);
}

export interface PutSpec extends BecomeSpec {
  mode?: string | number;
  owner?: string;
  group?: string;
  validate?: string;
}

export function normaliseMode(mode: string | number): string {
  const text = typeof mode === 'number' ? mode.toString(8) : mode;
  if (!/^0?[0-7]{3,4}$/.test(text)) throw new Error(`invalid file mode ${JSON.stringify(mode)} (expected octal like '0644')`);
  return text.padStart(4, '0');
}

/**
 * The atomic write as one script reading the content from stdin: temp file beside the
 * destination (same filesystem, so `mv` is a rename), attributes, validation, rename. The EXIT
 * trap removes the temp file whatever step fails; it is disarmed only after the rename.
 */
export function buildPutScript(remotePath: string, spec: PutSpec = {}): string {
  const dest = shellQuote(remotePath);
  const slash = remotePath.lastIndexOf('/');
  const dir = slash < 0 ? '.' : slash === 0 ? '/' : remotePath.slice(0, slash);
  const base = remotePath.slice(slash + 1);
  if (base === '' || base === '.' || base === '..') throw new Error(`not a file path: ${JSON.stringify(remotePath)}`);
  const fail = (step: PutStep, what: string) => `{ echo ${shellQuote(`play: ${what}`)} >&2; exit ${PUT_STEP_EXIT[step]}; }`;
  const lines = [
    `tmp=$(mktemp ${shellQuote(`${dir}/.${base}.play-XXXXXX`)}) || ${fail('tempfile', `cannot create a temporary file in ${dir}`)}`,
    `trap 'rm -f "$tmp"' EXIT`,
    `cat > "$tmp" || ${fail('write', `cannot write ${remotePath}`)}`,
  ];
  // mktemp makes the file 0600; without an explicit mode keep the destination's, or the umask default for a new file.
  const modeCommand = spec.mode !== undefined ? `chmod ${normaliseMode(spec.mode)} "$tmp"` : `if [ -e ${dest} ]; then chmod --reference=${dest} "$tmp"; else chmod =rw "$tmp"; fi`;
  lines.push(`${modeCommand} || ${fail('mode', 'cannot set the mode')}`);
  if (spec.owner !== undefined || spec.group !== undefined) {
    const owner = `${spec.owner ?? ''}${spec.group !== undefined ? `:${spec.group}` : ''}`;
    lines.push(`chown ${shellQuote(owner)} "$tmp" || ${fail('owner', `cannot set the owner to ${owner}`)}`);
  } else {
    // Only root can give a file away; for anyone else the new file is theirs, as a fresh write would be.
    lines.push(`if [ -e ${dest} ] && [ "$(id -u)" = 0 ]; then chown --reference=${dest} "$tmp" || ${fail('owner', 'cannot keep the owner')}; fi`);
  }
  if (spec.validate !== undefined) {
    if (!spec.validate.includes('%s')) throw new Error(`validate command must contain %s (the temporary file): ${JSON.stringify(spec.validate)}`);
    lines.push(`( ${spec.validate.split('%s').join('"$tmp"')} ) >&2 || ${fail('validate', `validation failed: ${spec.validate}`)}`);
  }
  lines.push(`mv -f -- "$tmp" ${dest} || ${fail('rename', `cannot rename over ${remotePath}`)}`, `trap - EXIT`);
  return wrapBecome(lines.join('\n'), spec);
}

/** Exit status of the read script when the file does not exist (distinct from cat's own 1). */
export const READ_ABSENT_EXIT = 66;

/**
 * `[ -e ]` is also false for a file behind a directory the user cannot search, which must be an
 * error, not "absent": the first ancestor that exists tells them apart (searchable: the rest of the
 * path really is missing; if not, cat reports the permission error itself).
 */
export function buildReadCommand(remotePath: string, spec: BecomeSpec = {}): string {
  const path = shellQuote(remotePath);
  const absent = `d=${path}; while [ "$d" != / ] && [ "$d" != . ]; do d=$(dirname -- "$d"); [ -e "$d" ] && break; done; [ -x "$d" ] && exit ${READ_ABSENT_EXIT}`;
  return wrapBecome(`[ -e ${path} ] || { ${absent}; }\nexec cat -- ${path}`, spec);
}
