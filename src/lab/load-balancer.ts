import { sshRun } from './lab-ssh';
import type { HostRecord } from './state';

export const LB_BACKEND = 'app';
export const LB_ADMIN_PORT = 9999;

/*
 * The ALB's counterpart: round robin over the app hosts' port 80, a GET /health check like the
 * target group's, and HAProxy's runtime API on the public side so a play on the controller can
 * drain (`set server app/app-1 state drain`) and re-enable a backend, as it would deregister
 * a target. Server names are the inventory names.
 */
export function haproxyConfig(lb: HostRecord, apps: HostRecord[]): string {
  const servers = apps.map((app) => `  server ${app.name} ${app.privateAddress}:80 check`);
  return `# Written by play lab (the load balancer is the stack's job, not the playbooks').
global
  log /dev/log local0
  stats socket /run/haproxy/admin.sock mode 660 level admin
  stats socket ipv4@${lb.publicAddress}:${LB_ADMIN_PORT} level admin
  stats timeout 30s

defaults
  log global
  mode http
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s

frontend web
  bind ${lb.publicAddress}:80
  default_backend ${LB_BACKEND}

backend ${LB_BACKEND}
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server inter 1s fall 2 rise 2
${servers.join('\n')}
`;
}

/** apt waits for a dpkg lock held by apt-daily at boot rather than failing. */
const INSTALL_HAPROXY = `set -e
command -v haproxy >/dev/null && exit 0
for i in $(seq 60); do sudo apt-get -qq update && break; sleep 1; done
sudo DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=120 install -y haproxy >/dev/null`;

/** Validated before it replaces the running config, so a bad config never takes the LB down. (No single quotes inside.) */
const APPLY_CONFIG = [
  'tmp=$(mktemp /etc/haproxy/haproxy.cfg.XXXXXX)',
  'cat > "$tmp"',
  'haproxy -c -q -f "$tmp" || { rm -f "$tmp"; exit 1; }',
  'chmod 644 "$tmp"',
  'mv "$tmp" /etc/haproxy/haproxy.cfg',
  'systemctl reload-or-restart haproxy',
].join('; ');

export async function configureLoadBalancer(sshConfig: string, lb: HostRecord, apps: HostRecord[]): Promise<void> {
  await sshRun(sshConfig, lb.name, INSTALL_HAPROXY);
  await sshRun(sshConfig, lb.name, `sudo sh -ec '${APPLY_CONFIG}'`, haproxyConfig(lb, apps));
}
