import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GUEST_APT_DIR } from './layout';

/*
 * One small supervisor per host, detached from the command that started it (so `play lab up`
 * can exit) and recorded by PID: it runs systemd-nspawn and starts it again when the guest
 * reboots (nspawn exits 133 for a guest's `systemctl reboot`). Any other exit, a guest
 * poweroff included, leaves the host stopped, as an EC2 instance stays stopped.
 * SIGTERM stops the guest cleanly (nspawn turns it into a shutdown of the guest's systemd).
 * SYSTEMD_NSPAWN_API_VFS_WRITABLE=network: per-namespace net.* sysctls writable in the guest.
 */
const SUPERVISOR_SCRIPT = `
root=$1 netns=$2 repo=$3 machine=$4 pidfile=$5
for cgroup in $6; do echo $$ > "$cgroup/cgroup.procs" || exit 1; done
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; rm -f "$pidfile"; exit 0' TERM INT
while :; do
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn --quiet -D "$root" --register=no --keep-unit -b \\
    --network-namespace-path="$netns" --machine="$machine" --bind-ro="$repo:${GUEST_APT_DIR}" --console=read-only &
  child=$!
  echo "$child" > "$pidfile"
  wait "$child"
  code=$?
  echo "play-lab: systemd-nspawn exited with $code at $(date -u +%FT%TZ)"
  [ "$code" -eq 133 ] || break
done
rm -f "$pidfile"
`;

export interface SupervisedHost {
  name: string;
  root: string;
  netns: string;
  repoDir: string;
  machine: string;
  hostDir: string;
  /** The host's own cgroups (see host-cgroup.ts); paths without spaces. */
  cgroups: string[];
}

export const nspawnPidFile = (hostDir: string): string => path.join(hostDir, 'nspawn.pid');

/** Starts the host's supervisor in its own session (it outlives this process) and returns its PID. */
export function startSupervisor(host: SupervisedHost): number {
  const console = openSync(path.join(host.hostDir, 'console.log'), 'a');
  try {
    const child = spawn(
      'bash',
      ['-c', SUPERVISOR_SCRIPT, `play-lab-${host.name}`, host.root, `/run/netns/${host.netns}`, host.repoDir, host.machine, nspawnPidFile(host.hostDir), host.cgroups.join(' ')],
      { detached: true, stdio: ['ignore', console, console] },
    );
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start the supervisor of ${host.name}`);
    return child.pid;
  } finally {
    closeSync(console);
  }
}

export async function readNspawnPid(hostDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(nspawnPidFile(hostDir), 'utf8').catch(() => '')).trim());
  return pid > 0 ? pid : undefined;
}
