import { argv, splitCommandLine } from '../support/shell';

export interface ExecArgs {
  cmd?: string;
  argv?: string[];
  chdir?: string;
}

/** `command`: the words run as one program, every word quoted, so `|`, `;`, `$X`, `*` reach it literally. */
export function commandLine(a: ExecArgs): string {
  const words = a.argv ?? splitCommandLine(a.cmd ?? '');
  return withChdir(argv(...words), a.chdir);
}

/** `shell`: the text is a script for the shell (default /bin/sh), passed as one quoted argument. */
export function shellLine(a: ExecArgs & { executable: string }): string {
  return withChdir(argv(a.executable, '-c', a.cmd ?? ''), a.chdir);
}

function withChdir(line: string, chdir: string | undefined): string {
  return chdir === undefined ? line : `cd -- ${argv(chdir)} && ${line}`;
}

/** Prints `creates` when that path exists and `removes` when that one does, for the creates/removes short-circuit. */
export function guardProbeCommand(creates: string | undefined, removes: string | undefined): string {
  const tests: string[] = [];
  if (creates !== undefined) tests.push(`if [ -e ${argv(creates)} ]; then echo creates; fi`);
  if (removes !== undefined) tests.push(`if [ -e ${argv(removes)} ]; then echo removes; fi`);
  return tests.join('; ');
}

/** Why the command is not run (creates exists, removes is gone), or undefined when it must run. */
export function guardReason(probe: string, creates: string | undefined, removes: string | undefined): string | undefined {
  const found = new Set(probe.split('\n').map((l) => l.trim()));
  if (creates !== undefined && found.has('creates')) return `skipped, since ${creates} exists`;
  if (removes !== undefined && !found.has('removes')) return `skipped, since ${removes} does not exist`;
  return undefined;
}
