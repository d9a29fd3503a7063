import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { LabError } from './exec';

/** Programs the lab runs, and the Debian package that provides each. */
const REQUIRED_PROGRAMS: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  nft: 'nftables',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  'dpkg-scanpackages': 'dpkg-dev',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  mount: 'mount',
  openssl: 'openssl',
  chroot: 'coreutils',
};

function onPath(program: string, searchPath: string): boolean {
  return searchPath.split(':').some((dir) => {
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Fails with the exact command to run: become root, or install what is missing. */
export function checkPrerequisites(uid = process.getuid?.(), searchPath = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): void {
  if (uid !== 0) {
    throw new LabError('play lab needs root (network namespaces, mounts, systemd-nspawn): run it as root, e.g. `sudo npx play lab up`');
  }
  const missing = [...new Set(Object.entries(REQUIRED_PROGRAMS).filter(([program]) => !onPath(program, searchPath)).map(([, pkg]) => pkg))];
  if (missing.length > 0) throw new LabError(`play lab needs Debian packages that are not installed: run \`apt-get install -y ${missing.join(' ')}\``);
}
