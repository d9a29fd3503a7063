import { createHash } from 'node:crypto';
import path from 'node:path';
import { run } from './exec';
import { ensureCachedBuild } from './cached-build';
import { debianMirror } from './debian-mirror';
import { GUEST_APT_DIR } from './layout';
import { buildMarkerDeb, markerDebName } from './marker-package';

/** What every host has at first boot, like a cloud image: systemd, sshd, python3 (for Ansible), sudo. */
const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'python3', 'sudo', 'iproute2', 'ca-certificates', 'procps'];
export const ADMIN_USER = 'admin';
/** Host key types every host gets (RSA left out: generating it is the slow part of a host's setup). */
export const HOST_KEY_TYPES = ['ed25519', 'ecdsa'];

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
${HOST_KEY_TYPES.map((t) => `echo 'HostKey /etc/ssh/ssh_host_${t}_key' >> /etc/ssh/sshd_config.d/10-lab-host-keys.conf`).join('\n')}
echo 'deb [trusted=yes] file:${GUEST_APT_DIR} ./' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
install -d ${GUEST_APT_DIR}
apt-get clean
rm -rf /var/lib/apt/lists/*
: > /etc/machine-id
`;

const RECIPE = createHash('sha256').update(JSON.stringify([BASE_PACKAGES, CONFIGURE_SCRIPT])).digest('hex').slice(0, 12);

/** The cached Debian 12 rootfs (built once, about a minute); every host's overlay sits on it. */
export function ensureBaseRootfs(log: (line: string) => void): Promise<string> {
  return ensureCachedBuild({
    prefix: 'rootfs-bookworm',
    recipe: RECIPE,
    build: async (dir) => {
      const mirror = debianMirror();
      log(`building the base rootfs (debootstrap bookworm from ${mirror}, about a minute, once)`);
      await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, 'bookworm', dir, mirror]);
      await buildMarkerDeb(1, path.join(dir, 'tmp'));
      await run('chroot', [dir, '/bin/sh', '-c', CONFIGURE_SCRIPT], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
    },
  });
}
