import { argv } from '../support/shell';

/** Where apt-get update records success; the module touches it itself (Debian's apt only does in apt.systemd.daily). */
export const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';

/** apt-get, never prompting, keeping changed config files, and waiting up to `lockSeconds` for the dpkg lock. */
export function aptGet(lockSeconds: number, ...words: string[]): string {
  return [
    'env DEBIAN_FRONTEND=noninteractive',
    argv('apt-get', '-q', '-y', '-o', `DPkg::Lock::Timeout=${lockSeconds}`, '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...words),
  ].join(' ');
}

export function updateCacheCommand(lockSeconds: number): string {
  return `${aptGet(lockSeconds, 'update')} && mkdir -p /var/lib/apt/periodic && touch ${UPDATE_STAMP}`;
}

/** Cache age and every named package's installed and candidate versions, in one round trip. */
export function aptProbeCommand(packages: string[]): string {
  const lines = [
    // The lists' own files, not their directory: a host fresh from an image has an empty, recent lists
    // directory. The clock and the newest of them from one subshell, the newest picked by the shell.
    `set -- $(date +%s; stat -c %Y ${UPDATE_STAMP} /var/lib/apt/lists/*_Packages* 2>/dev/null)`,
    `printf 'now\\t%s\\n' "$1"; shift; m=; for t; do if [ -z "$m" ] || [ "$t" -gt "$m" ]; then m=$t; fi; done; printf 'stamp\\t%s\\n' "$m"`,
  ];
  if (packages.length > 0) lines.push(`LC_ALL=C ${argv('apt-cache', 'policy', '--', ...packages)} 2>/dev/null || true`);
  return lines.join('\n');
}

/** Whether a batch may ask for these packages together with other probes' (jointAptProbeCommand): names only, no architecture, version or pattern. */
export function joinablePackages(packages: readonly string[]): boolean {
  return packages.every((name) => /^[a-z0-9][a-z0-9+.-]*$/.test(name));
}

/** Several probes' aptProbeCommand in one: the cache's age once, and one `apt-cache policy` for all their packages, in order. */
export function jointAptProbeCommand(lists: readonly (readonly string[])[]): string {
  return aptProbeCommand(lists.flat());
}

/**
 * What each probe's own aptProbeCommand prints, from jointAptProbeCommand's output: the cache's
 * age, then the blocks apt-cache printed for its packages (it prints one block per name found, in
 * the order asked, each headed `name:`). Undefined unless every block is told to its name.
 */
export function splitJointAptProbes(lists: readonly (readonly string[])[], stdout: string): string[] | undefined {
  const age = /^now\t[^\n]*\nstamp\t[^\n]*\n/.exec(stdout)?.[0];
  if (age === undefined) return undefined;
  const blocks = stdout.slice(age.length).split(/^(?=\S)/m).filter((block) => block !== '');
  let next = 0;
  const outputs = lists.map((names) => {
    let output = age;
    for (const name of names) if (blocks[next]?.startsWith(`${name}:\n`)) output += blocks[next++];
    return output;
  });
  return next === blocks.length ? outputs : undefined;
}

export interface PackageVersions {
  installed?: string;
  candidate?: string;
}

export interface AptProbe {
  /** Seconds since the package lists were last refreshed. */
  cacheAge: number;
  packages: Map<string, PackageVersions>;
}

function version(text: string): string | undefined {
  const v = text.trim();
  return v === '(none)' || v === '' ? undefined : v;
}

export function parseAptProbe(stdout: string): AptProbe {
  let stamp = 0;
  let now = 0;
  const packages = new Map<string, PackageVersions>();
  let current: PackageVersions | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('stamp\t')) stamp = Number(line.slice(6)) || 0;
    else if (line.startsWith('now\t')) now = Number(line.slice(4)) || 0;
    else if (/^\S+:$/.test(line)) {
      current = {};
      packages.set(line.slice(0, -1).replace(/:(amd64|arm64|all|i386)$/, ''), current);
    } else if (current && /^\s+Installed:/.test(line)) current.installed = version(line.split(':').slice(1).join(':'));
    else if (current && /^\s+Candidate:/.test(line)) current.candidate = version(line.split(':').slice(1).join(':'));
  }
  return { cacheAge: now - stamp, packages };
}

export interface PackageSpec {
  name: string;
  /** `name=version` pins a version. */
  version?: string;
}

export function parsePackageSpec(spec: string): PackageSpec {
  const eq = spec.indexOf('=');
  return eq < 0 ? { name: spec } : { name: spec.slice(0, eq), version: spec.slice(eq + 1) };
}

export interface PackagePlan {
  install: string[];
  remove: string[];
  /** Named packages apt does not know: an error for present/latest. */
  unknown: string[];
}

/** Which packages to install or remove so that every one is in `state`. */
export function planPackages(specs: PackageSpec[], state: 'present' | 'absent' | 'latest', probe: AptProbe): PackagePlan {
  const plan: PackagePlan = { install: [], remove: [], unknown: [] };
  for (const spec of specs) {
    const found = probe.packages.get(spec.name) ?? {};
    const argument = spec.version !== undefined ? `${spec.name}=${spec.version}` : spec.name;
    if (state === 'absent') {
      if (found.installed !== undefined) plan.remove.push(spec.name);
      continue;
    }
    if (found.installed === undefined && found.candidate === undefined) {
      plan.unknown.push(spec.name);
      continue;
    }
    const outdated =
      spec.version !== undefined ? found.installed !== spec.version : state === 'latest' && found.installed !== found.candidate;
    if (found.installed === undefined || outdated) plan.install.push(argument);
  }
  return plan;
}

/** Counts from apt-get's summary line ("2 upgraded, 1 newly installed, 0 to remove and 0 not upgraded."). */
export function changesInSummary(output: string): number {
  const match = /(\d+) upgraded, (\d+) newly installed, (\d+) to remove/.exec(output);
  return match ? Number(match[1]) + Number(match[2]) + Number(match[3]) : 0;
}

/**
 * apt-get's "package : Depends: other but it is not installable" lines: they go to stdout, while
 * stderr only says "Unable to correct problems", which names nothing.
 */
export function unmetDependencies(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\s*\S+ : (Pre-)?Depends: /.test(line) || /^\s+(Pre-)?Depends: /.test(line)).map((line) => line.trim());
}

/** apt-get's "the dpkg or lists lock is held by another process" (apt-daily on a booted host). */
export function isLockError(stderr: string): boolean {
  return /Could not get lock|Unable to lock|is another process using it/i.test(stderr);
}

/** Why `deb:` cannot be used, or undefined. URLs are refused: Ansible downloads them on the host, play does not. */
export function debPathProblem(path: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return 'a URL is not supported: copy the .deb to the host first (copy: or get it there with a command) and give its path';
  if (!/^\/.*\.deb$/.test(path)) return 'must be the absolute path of a .deb file on the host';
  return undefined;
}

/** A .deb file on the host: its package name and version, and the version installed now. */
export function debProbeCommand(path: string): string {
  return [
    `f=${argv(path)}`,
    `[ -f "$f" ] || { echo "no such file: $f" >&2; exit 2; }`,
    `name=$(dpkg-deb -f "$f" Package) || exit 3`,
    `printf 'deb\\t%s\\t%s\\n' "$name" "$(dpkg-deb -f "$f" Version)"`,
    `printf 'installed\\t%s\\n' "$(dpkg-query -W -f '\${db:Status-Abbrev}\${Version}' "$name" 2>/dev/null)"`,
  ].join('\n');
}

/** Whether the .deb's exact version is installed (status `ii`). */
export function debIsInstalled(stdout: string): { name: string; version: string; installed: boolean } {
  const fields = (tag: string) => stdout.split('\n').find((l) => l.startsWith(`${tag}\t`))?.split('\t').slice(1) ?? [];
  const [name = '', version = ''] = fields('deb');
  const [status = ''] = fields('installed');
  return { name, version, installed: status === `ii ${version}` };
}
