import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabError, run } from './exec';
import { ADMIN_USER, HOST_KEY_TYPES } from './base-rootfs';
import type { StateWriter } from './state';

export interface HostDirs {
  root: string;
  upper: string;
  work: string;
}

export function hostDirs(stateDir: string, host: string): HostDirs {
  const dir = path.join(stateDir, 'hosts', host);
  return { root: path.join(dir, 'root'), upper: path.join(dir, 'upper'), work: path.join(dir, 'work') };
}

/** One copy-on-write layer per host over the shared base: a host costs only what it changes. */
export async function mountHostRoot(baseRootfs: string, dirs: HostDirs, state: StateWriter): Promise<void> {
  for (const dir of [dirs.root, dirs.upper, dirs.work]) await mkdir(dir, { recursive: true });
  await state.record({ kind: 'mount', path: dirs.root });
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${baseRootfs},upperdir=${dirs.upper},workdir=${dirs.work}`, dirs.root]);
}

/**
 * What cloud-init does on first boot: hostname, machine id, fresh SSH host keys (never shared
 * between hosts), the admin's authorized key. Returns the host's public keys for known_hosts.
 */
export async function personalizeHost(root: string, hostname: string, adminPublicKey: string): Promise<string[]> {
  await writeFile(path.join(root, 'etc/hostname'), `${hostname}\n`);
  await writeFile(path.join(root, 'etc/hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  await writeFile(path.join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
  for (const type of HOST_KEY_TYPES) {
    await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `root@${hostname}`, '-f', path.join(root, `etc/ssh/ssh_host_${type}_key`)]);
  }
  const sshDir = path.join(root, 'home', ADMIN_USER, '.ssh');
  const { uid, gid } = await adminIds(root);
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(sshDir, 'authorized_keys'), adminPublicKey.endsWith('\n') ? adminPublicKey : `${adminPublicKey}\n`, { mode: 0o600 });
  await chown(sshDir, uid, gid);
  await chown(path.join(sshDir, 'authorized_keys'), uid, gid);
  return hostPublicKeys(root);
}

async function hostPublicKeys(root: string): Promise<string[]> {
  const keys = await Promise.all(HOST_KEY_TYPES.map((t) => readFile(path.join(root, `etc/ssh/ssh_host_${t}_key.pub`), 'utf8')));
  // known_hosts wants `type key`, not the comment.
  return keys.map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '));
}

async function adminIds(root: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile(path.join(root, 'etc/passwd'), 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith(`${ADMIN_USER}:`));
  if (!entry) throw new LabError(`${root}/etc/passwd: no ${ADMIN_USER} user; the base rootfs under /var/cache/play-lab is damaged: remove it so it is rebuilt`);
  const fields = entry.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}
