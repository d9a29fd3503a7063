import { argv } from '../support/shell';

export interface UserState {
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
  primaryGroup: string;
  /** Supplementary groups (the primary group excluded). */
  groups: string[];
  /** From /etc/shadow; undefined when the task cannot read it (no become). */
  locked?: boolean;
  /** Whether /etc/shadow holds the wanted password field; undefined when none was asked for or it cannot be read. */
  passwordMatches?: boolean;
}

export interface UserWanted {
  name: string;
  state: 'present' | 'absent';
  uid?: number;
  group?: string;
  groups?: string[];
  append: boolean;
  shell?: string;
  home?: string;
  comment?: string;
  system: boolean;
  create_home: boolean;
  password_lock?: boolean;
  /** A crypt(3) hash, never clear text. */
  password?: string;
  /** `on_create`: set `password` only when the user is created. */
  update_password: 'always' | 'on_create';
  /** state: absent also removes the home directory and mail spool. */
  remove: boolean;
}

/**
 * The account, its groups and its lock state, in one round trip; `absent` when there is no such user.
 * With `comparePassword`, the wanted shadow field comes on stdin (see passwordInput) and is compared
 * on the host, so neither hash is ever on a command line or sent back.
 */
export function userProbeCommand(name: string, comparePassword = false): string {
  const lines = [
    `n=${argv(name)}`,
    `if ! e=$(getent passwd "$n"); then echo absent; exit 0; fi`,
    `printf 'passwd\\t%s\\n' "$e"`,
    `printf 'pgroup\\t%s\\n' "$(id -gn -- "$n")"`,
    `printf 'groups\\t%s\\n' "$(id -Gn -- "$n")"`,
    `s=$(getent shadow "$n" 2>/dev/null | cut -d: -f2)`,
    `printf 'shadow\\t%s\\n' "$(printf %s "$s" | cut -c1)"`,
  ];
  if (comparePassword) {
    lines.push(
      `IFS= read -r want || true`,
      `if [ -z "$s" ]; then r=unreadable; elif [ "$s" = "\${want#*:}" ]; then r=same; else r=differs; fi`,
      `printf 'password\\t%s\\n' "$r"`,
    );
  }
  return lines.join('\n');
}

/** A crypt(3) hash (`$id$salt$hash`, optionally locked with `!`), or `*` / `!` for no usable password. */
export function isPasswordHash(value: string): boolean {
  return /^(!?\$[0-9a-z]+\$[^\s:]+|[!*]+)$/.test(value);
}

/** The shadow field the user should have: the hash, with password_lock's `!` applied when that is given too. */
export function wantedShadowField(w: Pick<UserWanted, 'password' | 'password_lock'>): string | undefined {
  if (w.password === undefined || w.password_lock === undefined) return w.password;
  const unlocked = w.password.replace(/^!+/, '');
  return w.password_lock ? `!${unlocked}` : unlocked;
}

/** chpasswd -e's stdin (`name:field`), also the probe's: the only way the hash travels to the host. */
export function passwordInput(w: Pick<UserWanted, 'name' | 'password' | 'password_lock'>): string | undefined {
  const field = wantedShadowField(w);
  return field === undefined ? undefined : `${w.name}:${field}\n`;
}

/** Whether this run sets the password: always, or with update_password: on_create only for a new user. */
export function managesPassword(current: UserState | null, w: UserWanted): boolean {
  return w.password !== undefined && (current === null || w.update_password === 'always');
}

function tagged(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) values.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return values;
}

export function parseUserProbe(stdout: string): UserState | null {
  const values = tagged(stdout);
  const passwd = values.get('passwd');
  if (passwd === undefined) return null;
  const [, , uid, gid, comment, home, shell] = passwd.split(':');
  const primaryGroup = values.get('pgroup') ?? '';
  const shadow = values.get('shadow') ?? '';
  return {
    uid: Number(uid),
    gid: Number(gid),
    comment,
    home,
    shell,
    primaryGroup,
    groups: (values.get('groups') ?? '').split(' ').filter((g) => g !== '' && g !== primaryGroup),
    locked: shadow === '' ? undefined : shadow === '!',
    ...(values.has('password') ? { passwordMatches: { same: true, differs: false }[values.get('password') ?? ''] } : {}),
  };
}

const SET_PASSWORD = ['chpasswd', '-e'];

/**
 * Commands (argv) that converge the account; empty when it already is as wanted. A `chpasswd -e`
 * step reads passwordInput(w) on stdin; a managed password carries the lock itself (no usermod -L/-U).
 */
export function planUser(current: UserState | null, w: UserWanted): string[][] {
  if (w.state === 'absent') return current ? [['userdel', ...(w.remove ? ['-r'] : []), '--', w.name]] : [];
  const steps: string[][] = [];
  if (!current) {
    const add = ['useradd'];
    if (w.uid !== undefined) add.push('-u', String(w.uid));
    if (w.group !== undefined) add.push('-g', w.group);
    if (w.groups !== undefined && w.groups.length > 0) add.push('-G', w.groups.join(','));
    if (w.shell !== undefined) add.push('-s', w.shell);
    if (w.home !== undefined) add.push('-d', w.home);
    if (w.comment !== undefined) add.push('-c', w.comment);
    if (w.system) add.push('-r');
    add.push(w.create_home ? '-m' : '-M', '--', w.name);
    steps.push(add);
    if (managesPassword(current, w)) steps.push(SET_PASSWORD);
    else if (w.password_lock === true) steps.push(['usermod', '-L', '--', w.name]);
    return steps;
  }
  const mod: string[] = [];
  if (w.uid !== undefined && w.uid !== current.uid) mod.push('-u', String(w.uid));
  if (w.group !== undefined && w.group !== current.primaryGroup && w.group !== String(current.gid)) mod.push('-g', w.group);
  if (w.groups !== undefined) {
    const missing = w.groups.filter((g) => !current.groups.includes(g));
    if (w.append) {
      if (missing.length > 0) mod.push('-a', '-G', missing.join(','));
    } else if (missing.length > 0 || current.groups.some((g) => !w.groups?.includes(g))) {
      mod.push('-G', w.groups.join(','));
    }
  }
  if (w.shell !== undefined && w.shell !== current.shell) mod.push('-s', w.shell);
  if (w.home !== undefined && w.home !== current.home) mod.push('-d', w.home);
  if (w.comment !== undefined && w.comment !== current.comment) mod.push('-c', w.comment);
  if (mod.length > 0) steps.push(['usermod', ...mod, '--', w.name]);
  if (managesPassword(current, w)) {
    if (current.passwordMatches !== true) steps.push(SET_PASSWORD);
  } else if (w.password_lock !== undefined && current.locked !== undefined && w.password_lock !== current.locked) {
    steps.push(['usermod', w.password_lock ? '-L' : '-U', '--', w.name]);
  }
  return steps;
}

export interface GroupState {
  gid: number;
  members: string[];
}

export interface GroupWanted {
  name: string;
  state: 'present' | 'absent';
  gid?: number;
  system: boolean;
}

export function groupProbeCommand(name: string): string {
  return `getent group ${argv(name)} || true`;
}

export function parseGroupProbe(stdout: string): GroupState | null {
  const line = stdout.trim();
  if (line === '') return null;
  const [, , gid, members] = line.split(':');
  return { gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) };
}

export function planGroup(current: GroupState | null, w: GroupWanted): string[][] {
  if (w.state === 'absent') return current ? [['groupdel', '--', w.name]] : [];
  if (!current) {
    return [['groupadd', ...(w.gid !== undefined ? ['-g', String(w.gid)] : []), ...(w.system ? ['-r'] : []), '--', w.name]];
  }
  return w.gid !== undefined && w.gid !== current.gid ? [['groupmod', '-g', String(w.gid), '--', w.name]] : [];
}

export function commandLines(steps: string[][]): string {
  return steps.map((step) => argv(...step)).join(' && ');
}
