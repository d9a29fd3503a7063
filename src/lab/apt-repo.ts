import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabError, run, tryRun } from './exec';
import { withCacheLock } from './cache-lock';
import { APT_POOL, BASE_ROOTFS } from './layout';
import { buildMarkerDeb, MARKER_PACKAGE } from './marker-package';
import { writeFileAtomic } from './atomic-file';

/*
 * What the roles and the load balancer install, downloaded once with their dependency closure
 * relative to the base rootfs. Each set is one apt transaction: chrony and systemd-timesyncd
 * conflict, so they cannot be resolved together. python3-apt and acl are what Ansible's apt
 * module and become_user need on a host (the benchmark runs Ansible against the lab).
 */
const PACKAGE_SETS = [
  ['nginx', 'puma', 'ruby-rack', 'ruby', 'rsyslog', 'rsyslog-gnutls', 'unattended-upgrades', 'haproxy', 'systemd-timesyncd'],
  ['python3-apt', 'acl', 'curl', 'openssl', 'logrotate'],
  ['chrony'],
];
const RECIPE = createHash('sha256').update(JSON.stringify(PACKAGE_SETS)).digest('hex').slice(0, 16);
const STAMP = '.play-lab-pool';

/** Downloads the .debs once into the shared cache (about 10 s), relative to the base rootfs's dpkg status. */
export async function ensureAptPool(log: (line: string) => void): Promise<string> {
  const current = async (): Promise<boolean> => (await readFile(path.join(APT_POOL, STAMP), 'utf8').catch(() => '')).trim() === RECIPE;
  if (await current()) return APT_POOL;
  return withCacheLock(`${APT_POOL}.lock`, async () => {
    if (await current()) return APT_POOL;
    const building = `${APT_POOL}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(path.join(building, 'partial'), { recursive: true });
    log(`downloading the lab's packages into ${APT_POOL} (once)`);
    for (const set of PACKAGE_SETS) await downloadClosure(set, building);
    await rm(path.join(building, 'partial'), { recursive: true, force: true });
    await rm(path.join(building, 'lock'), { force: true });
    await buildMarkerDeb(1, building);
    await writeFile(path.join(building, STAMP), `${RECIPE}\n`);
    await rm(APT_POOL, { recursive: true, force: true });
    await rename(building, APT_POOL);
    return APT_POOL;
  });
}

async function downloadClosure(packages: string[], archives: string): Promise<void> {
  const args = [
    '-y', '-qq', '--download-only',
    // Resolve against what the base rootfs has installed, not against this machine.
    '-o', `Dir::State::status=${path.join(BASE_ROOTFS, 'var/lib/dpkg/status')}`,
    '-o', `Dir::Cache::archives=${archives}`,
    '-o', 'Debug::NoLocking=true',
    'install', ...packages,
  ];
  const result = await tryRun('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.code !== 0) {
    const hint = /Unable to locate|has no installation candidate/.test(result.stderr) ? '\nthis machine\'s package lists look empty or stale: run `apt-get update` (as root) and retry' : '';
    throw new LabError(`downloading ${packages.join(' ')} for the lab's apt repo failed:\n${result.stderr.trim()}${hint}`);
  }
}

/** A lab's own repository: the shared pool hard-linked (no copy), plus what the lab publishes. */
export async function createLabRepo(repoDir: string): Promise<void> {
  await mkdir(repoDir, { recursive: true });
  for (const deb of (await readdir(APT_POOL)).filter((f) => f.endsWith('.deb'))) {
    const target = path.join(repoDir, deb);
    await link(path.join(APT_POOL, deb), target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return;
      if (err.code === 'EXDEV') return copyFile(path.join(APT_POOL, deb), target);
      throw err;
    });
  }
  await indexRepo(repoDir);
}

/**
 * Packages + Release for a flat repository (`deb [trusted=yes] file:/srv/lab-apt ./`). Release
 * carries the index's hashes so apt notices a reindex even within the same second.
 */
export async function indexRepo(repoDir: string): Promise<void> {
  const { stdout: packages } = await run('dpkg-scanpackages', ['--multiversion', '.'], { cwd: repoDir });
  const digest = (algo: string): string => createHash(algo).update(packages).digest('hex');
  const release = [
    'Origin: play-lab',
    'Label: play-lab',
    `Date: ${new Date().toUTCString()}`,
    'MD5Sum:',
    ` ${digest('md5')} ${Buffer.byteLength(packages)} Packages`,
    'SHA256:',
    ` ${digest('sha256')} ${Buffer.byteLength(packages)} Packages`,
    '',
  ].join('\n');
  await writeFileAtomic(path.join(repoDir, 'Packages'), packages);
  await writeFileAtomic(path.join(repoDir, 'Release'), release);
}

/** Adds lab-marker version N+1 to the lab's repo and reindexes; returns N+1. */
export async function publishMarkerUpdate(repoDir: string): Promise<number> {
  const versions = (await readdir(repoDir))
    .map((f) => new RegExp(`^${MARKER_PACKAGE}_(\\d+)_all\\.deb$`).exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  const next = Math.max(0, ...versions) + 1;
  await buildMarkerDeb(next, repoDir);
  await indexRepo(repoDir);
  return next;
}

