import { z } from 'zod';

const OCTAL = /^[0-7]{3,4}$/;
/** chmod(1)'s symbolic grammar: comma-separated clauses `[ugoa]*([-+=]([rwxXst]*|[ugo]))+`. */
const SYMBOLIC_CLAUSE = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/;
const OPERATION = /([-+=])([ugo]|[rwxXst]*)/g;

type Who = 'u' | 'g' | 'o';
const SHIFT: Record<Who, number> = { u: 6, g: 3, o: 0 };
/** The special bit `=` clears with each class: setuid, setgid, sticky. */
const SPECIAL: Record<Who, number> = { u: 0o4000, g: 0o2000, o: 0o1000 };
/** Linux's usual umask, for a probe that could not report the host's. */
const DEFAULT_UMASK = 0o022;

export function isSymbolicMode(mode: string): boolean {
  return !OCTAL.test(mode);
}

/**
 * File modes are octal or symbolic. YAML 1.2 reads an unquoted `0644` as the decimal number 644, so a
 * number is read by its digits, as Ansible users expect; '0644', '644' and 644 all mean rw-r--r--
 * and come out as '0644'. A symbolic mode ('u=rw,g=r,o=', 'a+rX') stays as written: what it means
 * depends on the file's current mode, so it is resolved against the probe (resolveMode).
 */
export const fileMode = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value, ctx) => {
    const digits = String(value).replace(/^0o/, '');
    if (OCTAL.test(digits)) return digits.padStart(4, '0');
    if (typeof value === 'string' && value.split(',').every((clause) => SYMBOLIC_CLAUSE.test(clause))) return value;
    ctx.addIssue({ code: 'custom', message: `mode must be octal digits like '0644' or symbolic like 'u=rw,g=r,o=', got ${JSON.stringify(value)}` });
    return z.NEVER;
  });

/** What a symbolic mode is applied to. */
export interface ModeBase {
  /** Four octal digits; absent for a path about to be created. */
  mode?: string;
  type?: string;
  /** The host's umask (octal digits); a symbolic clause without u/g/o/a leaves its bits alone, as chmod does. */
  umask?: string;
}

function permissionBits(who: Who, perms: string, current: number, directory: boolean, umask: number): number {
  const shift = SHIFT[who];
  if (perms === 'u' || perms === 'g' || perms === 'o') return ((current >> SHIFT[perms]) & 0o7) << shift;
  // X: execute only for a directory or a file someone may already execute (Ansible's reading).
  const executable = directory || (current & 0o111) !== 0;
  let bits = 0;
  for (const perm of perms) {
    if (perm === 'r') bits |= (0o4 << shift) & ~umask;
    else if (perm === 'w') bits |= (0o2 << shift) & ~umask;
    else if (perm === 'x') bits |= (0o1 << shift) & ~umask;
    else if (perm === 'X' && executable) bits |= 0o1 << shift;
    else if (perm === 's' && who !== 'o') bits |= SPECIAL[who];
    else if (perm === 't' && who === 'o') bits |= SPECIAL.o;
  }
  return bits;
}

function applySymbolic(symbolic: string, start: number, directory: boolean, umask: number): number {
  let mode = start;
  for (const clause of symbolic.split(',')) {
    const whoText = /^[ugoa]*/.exec(clause)?.[0] ?? '';
    const classes: Who[] = whoText === '' || whoText.includes('a') ? ['u', 'g', 'o'] : (['u', 'g', 'o'] as Who[]).filter((w) => whoText.includes(w));
    const mask = whoText === '' ? umask : 0;
    for (const [, operator, perms] of clause.slice(whoText.length).matchAll(OPERATION)) {
      for (const who of classes) {
        const bits = permissionBits(who, perms, mode, directory, mask);
        if (operator === '+') mode |= bits;
        else if (operator === '-') mode &= ~bits;
        else mode = (mode & ~((0o7 << SHIFT[who]) | SPECIAL[who])) | bits;
      }
    }
  }
  return mode;
}

/**
 * The octal mode a task's `mode` asks for, given what the path is now (or, for a path about to be
 * created, what creating it gives: 0666 or 0777 less the umask, as for Ansible's new files).
 */
export function resolveMode(mode: string, base: ModeBase): string {
  if (!isSymbolicMode(mode)) return mode;
  const umask = base.umask !== undefined ? parseInt(base.umask, 8) : DEFAULT_UMASK;
  const directory = base.type === 'directory';
  const start = base.mode !== undefined ? parseInt(base.mode, 8) : (directory ? 0o777 : 0o666) & ~umask;
  return applySymbolic(mode, start, directory, umask).toString(8).padStart(4, '0');
}
