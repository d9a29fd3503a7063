import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec';
import { withCacheLock } from './cache-lock';
import { debianMirror } from './debian-mirror';
import { BASE_ROOTFS, GUEST_APT_DIR } from './layout';
import { buildMarkerDeb, markerDebName } from './marker-package';

/** What every host has at first boot, like a cloud image: systemd, sshd, python3 (for Ansible), sudo. */
const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'python3', 'sudo', 'iproute2', 'ca-certificates', 'procps'];
export const ADMIN_USER = 'admin';

/** Runs inside the fresh rootfs: the parts of a Debian cloud image the lab relies on. */
const CONFIGURE_SCRIPT = `set -e
useradd --create-home --shell /bin/bash --groups sudo ${ADMIN_USER}
# '*' (no password) rather than '!' (locked): key login works whatever sshd's UsePAM says.
usermod -p '*' ${ADMIN_USER}
echo '${ADMIN_USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users
chmod 0440 /etc/sudoers.d/90-cloud-init-users
install -d -m 0700 -o ${ADMIN_USER} -g ${ADMIN_USER} /home/${ADMIN_USER}/.ssh
dpkg -i /tmp/${markerDebName(1)}
rm -f /tmp/${markerDebName(1)} /etc/ssh/ssh_host_*
echo 'deb [trusted=yes] file:${GUEST_APT_DIR} ./' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
install -d ${GUEST_APT_DIR}
apt-get clean
rm -rf /var/lib/apt/lists/*
: > /etc/machine-id
`;

/** Changing the recipe rebuilds the cache instead of silently using a stale one. */
const RECIPE = createHash('sha256').update(JSON.stringify([BASE_PACKAGES, CONFIGURE_SCRIPT])).digest('hex').slice(0, 16);
const STAMP = '.play-lab-base';

export function baseIsReady(): boolean {
  return existsSync(path.join(BASE_ROOTFS, STAMP));
}

/** Builds the cached Debian 12 rootfs once (about a minute); every host's overlay sits on it. */
export async function ensureBaseRootfs(log: (line: string) => void): Promise<string> {
  const current = async (): Promise<boolean> => (await readFile(path.join(BASE_ROOTFS, STAMP), 'utf8').catch(() => '')).trim() === RECIPE;
  if (await current()) return BASE_ROOTFS;
  return withCacheLock(`${BASE_ROOTFS}.lock`, async () => {
    if (await current()) return BASE_ROOTFS;
    const building = `${BASE_ROOTFS}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    const mirror = debianMirror();
    log(`building the base rootfs (debootstrap bookworm from ${mirror}, about a minute, once)`);
    await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, 'bookworm', building, mirror]);
    await buildMarkerDeb(1, path.join(building, 'tmp'));
    await run('chroot', [building, '/bin/sh', '-c', CONFIGURE_SCRIPT], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
    await writeFile(path.join(building, STAMP), `${RECIPE}\n`);
    await rm(BASE_ROOTFS, { recursive: true, force: true });
    await rename(building, BASE_ROOTFS);
    return BASE_ROOTFS;
  });
}
