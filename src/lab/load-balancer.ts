import { LabError } from './exec';
import { sshRun } from './lab-ssh';
import type { HostRecord } from './state';
import type { HealthCheck, Listener, StackLoadBalancer } from './stack/topology';

export const LB_BACKEND = 'app';
export const LB_ADMIN_PORT = 9999;
/** Where the stand-in keeps the certificate for HTTPS listeners (made by the lab: ACM has no lab). */
const CERTIFICATE_FILE = '/etc/haproxy/lab-listener.pem';
const SERVER_STATE_FILE = '/var/lib/haproxy/server-state';

/**
 * The ALB's counterpart, from the stack's own definitions: a frontend per listener (forward, or
 * a redirect), one backend with the target group's port and health check, and as servers only
 * the instances attached to the target group (app.outOfService leaves a host out, as on AWS).
 * HAProxy's runtime API listens on the public side so a play on the controller can drain
 * (`set server app/app-1 state drain`) and re-enable a backend, as it would deregister a target.
 * Server names are the inventory names.
 */
export function haproxyConfig(lb: HostRecord, balancer: StackLoadBalancer, hosts: HostRecord[]): string {
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const servers = balancer.targets.map((name) => {
    const target = byName.get(name);
    if (!target) throw new LabError(`the target group names ${name}, which the lab has no host for`);
    return `  server ${name} ${target.privateAddress}:${balancer.targetPort} check`;
  });
  return `# Written by play lab from the stack's load balancer (the stack's job, not the playbooks').
global
  log /dev/log local0
  stats socket /run/haproxy/admin.sock mode 660 level admin
  stats socket ipv4@${lb.publicAddress}:${LB_ADMIN_PORT} level admin
  stats timeout 30s
  server-state-file ${SERVER_STATE_FILE}
  # A reload's old process finishes requests in flight, for at most the deregistration delay.
  hard-stop-after ${Math.max(1, balancer.deregistrationDelaySeconds)}s

defaults
  log global
  mode http
  option httplog
  # An ALB never drops a client's idle keep-alive connection when its targets change; HAProxy's
  # reload would (a request sent on it at that instant fails): answer it once more, with close.
  option idle-close-on-response
  load-server-state-from-file global
  timeout connect 2s
  timeout client 30s
  timeout server 30s

${balancer.listeners.map((listener) => frontend(lb, listener)).join('\n')}
backend ${LB_BACKEND}
  balance roundrobin
${healthCheck(balancer.healthCheck)}
${servers.join('\n')}
`;
}

function frontend(lb: HostRecord, listener: Listener): string {
  const tls = listener.protocol === 'HTTPS' ? ` ssl crt ${CERTIFICATE_FILE}` : '';
  const lines = [`frontend ${listener.protocol.toLowerCase()}-${listener.port}`, `  bind ${lb.publicAddress}:${listener.port}${tls}`];
  if (listener.action.type === 'forward') lines.push(`  default_backend ${LB_BACKEND}`);
  else lines.push(`  http-request redirect ${redirectTarget(listener, listener.action)} code ${listener.action.statusCode}`);
  return `${lines.join('\n')}\n`;
}

/** ALB redirects keep host, path and query; the lab's stand-in supports the scheme-and-port kind the stacks use. */
function redirectTarget(listener: Listener, action: Extract<Listener['action'], { type: 'redirect' }>): string {
  const scheme = action.protocol.toLowerCase();
  const defaultPort = scheme === 'https' ? '443' : '80';
  if (!['http', 'https', '#{protocol}'].includes(scheme) || (action.port !== defaultPort && action.port !== '#{port}')) {
    throw new LabError(`listener on port ${listener.port}: the lab redirects only to a protocol's default port (got ${action.protocol}:${action.port})`);
  }
  return scheme === '#{protocol}' ? 'prefix /' : `scheme ${scheme}`;
}

/** The target group's matcher (`200`, `200-299`, `200,302`) as one anchored status pattern. */
function healthCheck(check: HealthCheck): string {
  const codes = check.matcher.split(',').map((part) => {
    const [from, to] = part.trim().split('-').map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new LabError(`health check matcher ${JSON.stringify(check.matcher)}: expected codes and ranges such as 200,300-399`);
    if (to === undefined) return String(from);
    return Array.from({ length: to - from + 1 }, (_, i) => String(from + i)).join('|');
  });
  return [
    `  option httpchk GET ${check.path}`,
    `  http-check expect rstatus ^(${codes.join('|')})$`,
    `  timeout check ${check.timeoutSeconds}s`,
    `  default-server inter ${check.intervalSeconds}s fall ${check.unhealthyThreshold} rise ${check.healthyThreshold}`,
  ].join('\n');
}

/** apt waits for a dpkg lock held by apt-daily at boot rather than failing. */
const INSTALL_HAPROXY = `set -e
command -v haproxy >/dev/null && exit 0
for i in $(seq 60); do sudo apt-get -qq update && break; sleep 1; done
sudo DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=120 install -y haproxy >/dev/null`;

/** One command to HAProxy's runtime API on the load balancer itself, in Python (Debian has no socat by default). */
const RUNTIME_API = `import os, socket, sys, time
def runtime(command):
    s = socket.socket(socket.AF_UNIX)
    s.connect("/run/haproxy/admin.sock")
    s.sendall(command.encode() + b"\\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data
def server_names():
    rows = [line.split() for line in runtime("show servers state ${LB_BACKEND}").decode().splitlines()[2:]]
    return [row[3] for row in rows if len(row) > 3]
`;

/**
 * Before a reload: what an ALB does when targets are deregistered, and what survives the reload.
 * A target leaving the group is drained (no new request), its requests in flight get up to the
 * deregistration delay to finish, then it is put in maintenance. That state matters after the
 * reload too: the old process still answers a last request on each idle client connection
 * (idle-close-on-response), and it must not send that one to a target that is gone by then.
 * The others' runtime states (drained by a play, say) are saved for the new process to read back,
 * so bringing the lab in line never puts a drained host back in rotation.
 * Arguments: the deregistration delay in seconds, then the new config's targets.
 */
const BEFORE_RELOAD = `${RUNTIME_API}
if os.path.exists("/run/haproxy/admin.sock"):
    delay, wanted = float(sys.argv[1]), set(sys.argv[2:])
    leaving = [name for name in server_names() if name not in wanted]
    for name in leaving:
        runtime("set server ${LB_BACKEND}/%s state drain" % name)
    deadline = time.time() + delay
    while leaving and time.time() < deadline:
        stats = [line.split(",") for line in runtime("show stat").decode().splitlines()]
        if all(row[4] == "0" for row in stats if len(row) > 4 and row[0] == "${LB_BACKEND}" and row[1] in leaving):
            break
        time.sleep(0.2)
    for name in leaving:
        runtime("set server ${LB_BACKEND}/%s state maint" % name)
    tmp = "${SERVER_STATE_FILE}.tmp"
    with open(tmp, "wb") as f:
        f.write(runtime("show servers state"))
    os.replace(tmp, "${SERVER_STATE_FILE}")
`;

/**
 * systemctl reload returns once HAProxy's master got the signal, before the new worker serves: the
 * old one may still answer (and route) for a moment. Waits until the runtime API lists exactly
 * the servers the new config has, so what follows a sync (a replacement, say) meets the new state.
 */
const AWAIT_SERVERS = `${RUNTIME_API}
wanted = sorted(sys.argv[1:])
deadline = time.time() + 30
while True:
    try:
        seen = sorted(server_names())
    except OSError:
        seen = None
    if seen == wanted:
        sys.exit(0)
    if time.time() > deadline:
        sys.exit("HAProxy still serves %s, not %s, 30 s after its reload" % (seen, wanted))
    time.sleep(0.2)
`;

/** Validated before it replaces the running config, so a bad config never takes the LB down. (No single quotes inside.) */
const APPLY_CONFIG = [
  'tmp=$(mktemp /etc/haproxy/haproxy.cfg.XXXXXX)',
  'cat > "$tmp"',
  'haproxy -c -q -f "$tmp" || { rm -f "$tmp"; exit 1; }',
  'chmod 644 "$tmp"',
  'mv "$tmp" /etc/haproxy/haproxy.cfg',
  'systemctl reload-or-restart haproxy',
].join('; ');

const INSTALL_CERTIFICATE = `sudo sh -ec 'umask 077; cat > ${CERTIFICATE_FILE}.tmp; mv ${CERTIFICATE_FILE}.tmp ${CERTIFICATE_FILE}'`;

export interface LoadBalancerSetup {
  sshConfig: string;
  lb: HostRecord;
  balancer: StackLoadBalancer;
  hosts: HostRecord[];
  /** Certificate and key (PEM) for HTTPS listeners. */
  certificate: () => Promise<string>;
}

export async function configureLoadBalancer(setup: LoadBalancerSetup): Promise<void> {
  const { sshConfig, lb, balancer } = setup;
  const config = haproxyConfig(lb, balancer, setup.hosts);
  await sshRun(sshConfig, lb.name, INSTALL_HAPROXY);
  if (balancer.listeners.some((listener) => listener.protocol === 'HTTPS')) await sshRun(sshConfig, lb.name, INSTALL_CERTIFICATE, await setup.certificate());
  await sshRun(sshConfig, lb.name, `sudo python3 - ${balancer.deregistrationDelaySeconds} ${balancer.targets.join(' ')}`, BEFORE_RELOAD);
  await sshRun(sshConfig, lb.name, `sudo sh -ec '${APPLY_CONFIG}'`, config);
  await sshRun(sshConfig, lb.name, `sudo python3 - ${balancer.targets.join(' ')}`, AWAIT_SERVERS);
}
