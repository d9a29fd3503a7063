import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { LabError, run, tryRun } from './exec';
import { ensureCachedBuild } from './cached-build';
import { buildMarkerDeb, MARKER_PACKAGE } from './marker-package';

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
  ['postgresql', 'ruby-pg'],
  // What the Ansible corpus roles install (test/e2e/corpus-converge.test.ts): firewall, security, ntp.
  ['iptables', 'fail2ban', 'ntpsec', 'cron'],
];
const RECIPE = createHash('sha256').update(JSON.stringify(PACKAGE_SETS)).digest('hex').slice(0, 12);
/** Published packages live apart from the pool's, so the pool's index is reused, not rescanned. */
const LOCAL_DIR = 'local';

/**
 * Downloads the .debs once into the shared cache (about 10 s) with their dependency closure
 * relative to the base rootfs's dpkg status, and indexes them once.
 */
export function ensureAptPool(baseRootfs: string, log: (line: string) => void): Promise<string> {
  return ensureCachedBuild({
    prefix: 'apt-pool',
    recipe: `${RECIPE}-${path.basename(baseRootfs)}`,
    build: async (dir) => {
      log(`downloading the lab's packages (once)`);
      await mkdir(path.join(dir, 'partial'));
      for (const set of PACKAGE_SETS) await downloadClosure(set, dir, baseRootfs);
      await rm(path.join(dir, 'partial'), { recursive: true, force: true });
      await rm(path.join(dir, 'lock'), { force: true });
      await buildMarkerDeb(1, dir);
      await writeFile(path.join(dir, 'Packages'), (await run('dpkg-scanpackages', ['--multiversion', '.'], { cwd: dir })).stdout);
    },
  });
}

async function downloadClosure(packages: string[], archives: string, baseRootfs: string): Promise<void> {
  const args = [
    '-y', '-qq', '--download-only',
    // Resolve against what the base rootfs has installed, not against this machine.
    '-o', `Dir::State::status=${path.join(baseRootfs, 'var/lib/dpkg/status')}`,
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
export async function createLabRepo(pool: string, repoDir: string): Promise<void> {
  await mkdir(path.join(repoDir, LOCAL_DIR), { recursive: true });
  for (const file of (await readdir(pool)).filter((f) => f.endsWith('.deb') || f === 'Packages')) {
    const target = path.join(repoDir, file === 'Packages' ? POOL_INDEX : file);
    await link(path.join(pool, file), target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EXDEV') return copyFile(path.join(pool, file), target);
      throw err;
    });
  }
  await indexRepo(repoDir);
}

/** The pool's index as the lab repo keeps it (Packages itself is rewritten on every publish). */
const POOL_INDEX = 'Packages.pool';

/**
 * Packages + Release for a flat repository (`deb [trusted=yes] file:/srv/lab-apt ./`): the
 * pool's index plus a scan of what the lab published. Release carries the index's hashes so
 * apt notices a reindex even within the same second.
 */
export async function indexRepo(repoDir: string): Promise<void> {
  const published = (await run('dpkg-scanpackages', ['--multiversion', LOCAL_DIR], { cwd: repoDir })).stdout;
  const packages = `${await readFile(path.join(repoDir, POOL_INDEX), 'utf8')}${published}`;
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
  writeFileAtomic(path.join(repoDir, 'Packages'), packages);
  writeFileAtomic(path.join(repoDir, 'Release'), release);
}

/** Adds lab-marker version N+1 to the lab's repo and reindexes; returns N+1. */
export async function publishMarkerUpdate(repoDir: string): Promise<number> {
  const versions = [...(await readdir(repoDir)), ...(await readdir(path.join(repoDir, LOCAL_DIR)))]
    .map((f) => new RegExp(`^${MARKER_PACKAGE}_(\\d+)_all\\.deb$`).exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  const next = Math.max(0, ...versions) + 1;
  await buildMarkerDeb(next, path.join(repoDir, LOCAL_DIR));
  await indexRepo(repoDir);
  return next;
}

