import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { labDown, labDrops, labInfo, labMarkRebootRequired, labPublishUpdate, labReplaceHost, labStatus, labUp, type LabInfo } from '../../src/lab';
import { labLayout } from '../../src/lab/layout';
import { stackOutputs } from '../../src/contract/stack-outputs';
import { labLeftovers } from '../support/lab-leftovers';
import { ssh, sshOk, waitUntil } from '../support/lab-ssh';
import { synthStackFile, type StackFile } from '../support/stack-file';

/*
 * One lab for the whole file (booting is the slow part), built from the staging stack as
 * synthesized from its template. The tests run in order and some build on earlier ones (the
 * stack grows to app-3; the last test takes the lab down).
 */
const NAME = 'test';
const layout = labLayout(NAME);
let lab: LabInfo;
let stack: StackFile;

const privateHosts = (): string[] => lab.hosts.filter((h) => h.publicAddress === undefined).map((h) => h.name);
const inventoryHosts = (): string[] => ['bastion', ...privateHosts()];

/** One command to HAProxy's runtime API, as a play on the controller would send it. */
function haproxyCommand(command: string): Promise<string> {
  const [host, port] = lab.loadBalancer.adminAddress.split(':');
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port: Number(port) }, () => socket.end(`${command}\n`));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`haproxy runtime API: no answer to ${command}`)));
  });
}

async function getLb(): Promise<{ status: number; body: string }> {
  // HAProxy retries a refused connection three times, a second apart, before its 503.
  const response = await fetch(lab.loadBalancer.url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

/** A GET through the load balancer on `agent`'s connections; a kept-alive one the server closed just then is retried once, as browsers do. */
function getThrough(agent: Agent, retried = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(lab.loadBalancer.url, { agent, timeout: 10_000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', (err: NodeJS.ErrnoException) => (req.reusedSocket && err.code === 'ECONNRESET' && !retried ? getThrough(agent, true).then(resolve, reject) : reject(err)));
    req.end();
  });
}

beforeAll(async () => {
  await labDown({ name: NAME }); // a lab left by an aborted earlier run
  stack = synthStackFile('staging');
  lab = await labUp({ name: NAME, stack: stack.file });
}, 600_000);

afterAll(async () => {
  await labDown({ name: NAME });
  stack?.cleanup();
}, 120_000);

/** Opens a TCP connection from a lab host; `refused` covers a drop (timeout) and a reset alike. */
async function connectFrom(host: string, address: string, port: number): Promise<'connected' | 'refused'> {
  const r = await ssh(lab.labSshConfig, host, `timeout 4 bash -c 'exec 3<>/dev/tcp/${address}/${port}' && echo connected || echo refused`);
  return r.stdout.trim() as 'connected' | 'refused';
}

const address = (name: string): string => lab.hosts.find((h) => h.name === name)!.privateAddress;

describe('lab up from the staging stack', () => {
  test('labInfo describes the running lab as up returned it', async () => {
    expect(await labInfo({ name: NAME })).toEqual(lab);
  });

  test('writes outputs in the stack shape and an inventory with bastion, app-1, app-2, logs', () => {
    const outputs = stackOutputs.parse(JSON.parse(readFileSync(lab.outputsFile, 'utf8')));
    expect(outputs.app_instances.map((a) => a.name)).toEqual(['app-1', 'app-2']);
    expect(outputs.log_collectors.map((a) => a.name)).toEqual(['logs']);
    expect(outputs.load_balancer).toEqual({ driver: 'haproxy', admin_address: lab.loadBalancer.adminAddress, backend: 'app' });
    const hosts = parse(readFileSync(lab.hostsFile, 'utf8'));
    expect(Object.keys(hosts.all.children.app.hosts)).toEqual(['app-1', 'app-2']);
  });

  test('every host answers SSH through the bastion with its own pinned host key', async () => {
    const seen = await Promise.all(
      inventoryHosts().map(async (name) => {
        const [hostname, key] = (await sshOk(lab.sshConfigFile, name, 'hostname; cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split('\n');
        return { name, hostname, key: key.split(' ').slice(0, 2).join(' ') };
      }),
    );
    for (const host of seen) {
      expect(host.hostname).toBe(host.name);
      expect(host.key).toBe(lab.hosts.find((h) => h.name === host.name)?.hostKey);
    }
    expect(new Set(seen.map((h) => h.key)).size).toBe(seen.length);
    // The inventory's ssh.config reaches private hosts only through the bastion.
    const resolved = await sshOk(lab.sshConfigFile, 'bastion', 'true').then(() => readFileSync(lab.sshConfigFile, 'utf8'));
    for (const name of privateHosts()) expect(resolved).toMatch(new RegExp(`Host ${name} [^\\n]*\\n  HostName [^\\n]*\\n  ProxyJump bastion`));
  });

  test('systemd is fully up on every host (running, no failed unit)', async () => {
    const states = await Promise.all(lab.hosts.map((h) => ssh(lab.labSshConfig, h.name, 'systemctl is-system-running --wait')));
    expect(states.map((s) => s.stdout.trim())).toEqual(lab.hosts.map(() => 'running'));
  });

  test('private addresses are unreachable from the controller, and fail fast', async () => {
    for (const host of lab.hosts) {
      const started = Date.now();
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const socket = createConnection({ host: host.privateAddress, port: 22, timeout: 10_000 });
        socket.on('connect', () => {
          socket.destroy();
          resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' }));
        });
        socket.on('timeout', () => resolve(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
        socket.on('error', resolve);
      });
      expect({ host: host.name, code: error.code }).toEqual({ host: host.name, code: 'EHOSTUNREACH' });
      expect(Date.now() - started).toBeLessThan(1000);
    }
    // The control case: the public side is reachable.
    await expect(sshOk(lab.sshConfigFile, 'bastion', 'true')).resolves.toBe('');
  });

  test('no host has a default route off the machine', async () => {
    const routes = await Promise.all(lab.hosts.map((h) => sshOk(lab.labSshConfig, h.name, 'ip route show default; ip -6 route show default')));
    expect(routes).toEqual(lab.hosts.map(() => ''));
  });

  test('the controller forwards nothing into or out of the lab, whatever ip_forward says (test/lab/lab-network.test.ts proves the rules)', () => {
    const rules = execFileSync('nft', ['list', 'table', 'inet', `play_lab_${layout.tag}`], { encoding: 'utf8' });
    expect(rules).toContain('type filter hook forward');
    expect(rules).toContain(`iifname "${layout.tag}*" oifname != "${layout.tag}*" drop`);
    expect(rules).toContain(`oifname "${layout.tag}*" iifname != "${layout.tag}*" drop`);
  });

  test('the load balancer reaches an app host once something listens there, and its runtime API drains it', async () => {
    expect((await getLb()).status).toBe(503);
    await sshOk(
      lab.sshConfigFile,
      'app-1',
      'mkdir -p /tmp/www && echo ok > /tmp/www/health && echo "hello from $(hostname)" > /tmp/www/index.html && sudo systemd-run --unit=lab-test-http python3 -m http.server 80 --directory /tmp/www',
    );
    // The stack's health check: every 10 s, healthy after 2 passes.
    const served = await waitUntil('app-1 in service behind the load balancer', 60_000, async () => {
      const reply = await getLb().catch(() => undefined);
      return reply?.status === 200 ? reply : undefined;
    });
    expect(served.body.trim()).toBe('hello from app-1');

    await haproxyCommand(`set server ${lab.loadBalancer.backend}/app-1 state maint`);
    expect((await getLb()).status).toBe(503);
    await haproxyCommand(`set server ${lab.loadBalancer.backend}/app-1 state ready`);
    await waitUntil('app-1 back in service', 60_000, async () => ((await getLb().catch(() => undefined))?.status === 200 ? true : undefined));
  });

  test('apt on a host installs nginx from the local repo, its only source', async () => {
    const out = await sshOk(
      lab.sshConfigFile,
      'logs',
      'cat /etc/apt/sources.list; ls /etc/apt/sources.list.d | wc -l; sudo apt-get -qq -o DPkg::Lock::Timeout=120 update && sudo DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=120 install -y nginx >/dev/null && dpkg-query -W -f="\\${Status}\\n" nginx && apt-cache policy nginx',
      180_000,
    );
    const [sources, extra, status] = out.split('\n');
    expect(sources).toBe('deb [trusted=yes] file:/srv/lab-apt ./');
    expect(extra).toBe('0');
    expect(status).toBe('install ok installed');
    expect(out).toMatch(/file:\/srv\/lab-apt \.\/ Packages/);
  }, 240_000);

  test('publish-update gives apt a newer lab-marker to upgrade to, that asks for a reboot', async () => {
    expect(await sshOk(lab.sshConfigFile, 'app-2', 'cat /usr/share/lab-marker/version; test ! -e /var/run/reboot-required && echo clean')).toBe('1\nclean\n');
    expect(await labPublishUpdate({ name: NAME })).toBe(2);
    const out = await sshOk(
      lab.sshConfigFile,
      'app-2',
      'sudo apt-get -qq -o DPkg::Lock::Timeout=120 update && sudo DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=120 install --only-upgrade -y lab-marker >/dev/null && cat /usr/share/lab-marker/version /var/run/reboot-required.pkgs && test -e /var/run/reboot-required && echo reboot-required',
      120_000,
    );
    expect(out).toBe('2\nlab-marker\nreboot-required\n');
  });

  test('reboot-required marks exactly the hosts named', async () => {
    const probe = 'test -e /var/run/reboot-required && echo yes || echo no';
    expect(await sshOk(lab.sshConfigFile, 'app-1', probe)).toBe('no\n');
    await labMarkRebootRequired({ name: NAME, hosts: ['app-1'] });
    expect(await sshOk(lab.sshConfigFile, 'app-1', probe)).toBe('yes\n');
    expect(await sshOk(lab.sshConfigFile, 'logs', probe)).toBe('no\n');
    await expect(labMarkRebootRequired({ name: NAME, hosts: ['app-9'] })).rejects.toThrow('no host named app-9 in the lab');
  });

  test('a host rebooted from inside comes back with the same host key, and leaves the others alone', async () => {
    const keyBefore = await sshOk(lab.sshConfigFile, 'app-2', 'cat /etc/ssh/ssh_host_ed25519_key.pub');
    await sshOk(lab.sshConfigFile, 'app-1', 'sudo touch /run/lab-test-still-up');
    await sshOk(lab.sshConfigFile, 'app-2', 'sudo touch /run/lab-test-before-reboot');
    await ssh(lab.sshConfigFile, 'app-2', 'sudo systemctl reboot');
    // /run is a fresh tmpfs on every boot: the mark is gone only once the host has rebooted.
    const after = await waitUntil('app-2 back after its reboot', 60_000, async () => {
      const r = await ssh(lab.sshConfigFile, 'app-2', 'test -e /run/lab-test-before-reboot && echo old || cat /etc/ssh/ssh_host_ed25519_key.pub');
      return r.code === 0 && r.stdout !== 'old\n' ? r.stdout : undefined;
    });
    expect(after).toBe(keyBefore);
    expect(await sshOk(lab.sshConfigFile, 'app-1', 'ls /run/lab-test-still-up; systemctl is-system-running')).toBe('/run/lab-test-still-up\nrunning\n');
    expect((await labStatus({ name: NAME })).hosts.every((h) => h.running)).toBe(true);
  });

  test('security groups: the bastion reaches SSH, the load balancer reaches HTTP only; what is dropped is reported', async () => {
    expect(await connectFrom('bastion', address('app-1'), 22)).toBe('connected');
    expect(await connectFrom('lb', address('app-1'), 80)).toBe('connected');
    expect(await connectFrom('lb', address('app-1'), 22)).toBe('refused');
    expect(await connectFrom('app-1', address('app-2'), 22)).toBe('refused');
    // The database stand-in: managed over SSH from the bastion only (RDS's API, in the lab); the app hosts reach 5432 only.
    expect(await connectFrom('bastion', address('db'), 22)).toBe('connected');
    expect(await connectFrom('app-1', address('db'), 22)).toBe('refused');
    const drops = await labDrops({ name: NAME });
    expect(drops).toContainEqual(expect.stringMatching(new RegExp(`^lb \\(${address('lb').replace(/\./g, '\\.')}\\) → app-1 \\(${address('app-1').replace(/\./g, '\\.')}\\) tcp/22: \\d+ packets? dropped: no egress rule`)));
    expect(drops).toContainEqual(expect.stringMatching(/^app-1 .* → app-2 .* tcp\/22: \d+ packets? dropped: no (egress|ingress) rule/));
  });

  test('the stack grows to app-3 out of service: up again adds exactly app-3, in the inventory but not behind the load balancer', async () => {
    const before = lab.hosts.map((h) => h.name);
    synthStackFile('staging', { app: { count: 3, instanceType: 't3.small', outOfService: ['app-3'] } }, stack.dir);
    lab = await labUp({ name: NAME, stack: stack.file });
    expect(lab.hosts.map((h) => h.name).filter((name) => !before.includes(name))).toEqual(['app-3']);
    expect((await sshOk(lab.sshConfigFile, 'app-3', 'hostname')).trim()).toBe('app-3');
    const hosts = parse(readFileSync(lab.hostsFile, 'utf8'));
    expect(hosts.all.children.app.hosts['app-3']).toEqual({ ansible_host: address('app-3'), availability_zone: 'eu-west-1a', instance_id: 'lab-app-3' });
    expect(await haproxyCommand(`show servers state ${lab.loadBalancer.backend}`)).not.toMatch(/ app-3 /);
    expect(await connectFrom('bastion', address('app-3'), 22)).toBe('connected');

    synthStackFile('staging', { app: { count: 3, instanceType: 't3.small' } }, stack.dir);
    lab = await labUp({ name: NAME, stack: stack.file });
    expect(await haproxyCommand(`show servers state ${lab.loadBalancer.backend}`)).toMatch(new RegExp(` app-3 ${address('app-3').replace(/\./g, '\\.')} `));
  });

  test('a target taken out of service gets no request once up returns, not even one sent on a client connection opened before', async () => {
    const serving = ['app-1', 'app-2', 'app-3'];
    await Promise.all(
      serving.map((host) =>
        sshOk(lab.sshConfigFile, host, 'mkdir -p /tmp/www && echo ok > /tmp/www/health && echo "hello from $(hostname)" > /tmp/www/index.html && { systemctl is-active -q lab-test-http || sudo systemd-run --unit=lab-test-http python3 -m http.server 80 --directory /tmp/www; }'),
      ),
    );
    // Keep-alive connections held by the client across the reload: the old HAProxy process answers one more request on each.
    const agent = new Agent({ keepAlive: true, maxSockets: 6 });
    const burst = () => Promise.all(Array.from({ length: 6 }, () => getThrough(agent)));
    try {
      await waitUntil('app-1, app-2 and app-3 in service', 60_000, async () => {
        const replies = await burst().catch(() => []);
        return new Set(replies.filter((r) => r.status === 200).map((r) => r.body.trim())).size === 3 ? true : undefined;
      });
      await burst();
      synthStackFile('staging', { app: { count: 3, instanceType: 't3.small', outOfService: ['app-1'] } }, stack.dir);
      lab = await labUp({ name: NAME, stack: stack.file });
      // As a replacement would: the deregistered host stops answering.
      await sshOk(lab.sshConfigFile, 'app-1', 'sudo systemctl stop lab-test-http');
      const after = [...(await burst()), ...(await burst())];
      expect(after.filter((r) => r.status !== 200 || r.body.trim() === 'hello from app-1')).toEqual([]);
    } finally {
      agent.destroy();
      synthStackFile('staging', { app: { count: 3, instanceType: 't3.small' } }, stack.dir);
      lab = await labUp({ name: NAME, stack: stack.file });
    }
  });

  test('replace: a new disk and host key; the inventory refuses the host until the old key is removed', async () => {
    const old = lab.hosts.find((h) => h.name === 'app-3')!;
    await sshOk(lab.sshConfigFile, 'app-3', 'sudo touch /var/lib/lab-test-old-disk');
    const replaced = await labReplaceHost({ name: NAME, host: 'app-3' });
    expect(replaced.privateAddress).toBe(old.privateAddress);
    expect(replaced.hostKeys[0]).not.toBe(old.hostKey);
    const refused = await ssh(lab.sshConfigFile, 'app-3', 'true');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    execFileSync('ssh-keygen', ['-R', old.privateAddress, '-f', lab.knownHostsFile], { stdio: 'ignore' });
    // As the inventory's ssh.config says: a host not yet known is trusted on first use, then pinned.
    const after = execFileSync('ssh', ['-F', lab.sshConfigFile, '-o', 'BatchMode=yes', 'app-3', 'test -e /var/lib/lab-test-old-disk && echo old || echo new; cat /etc/ssh/ssh_host_ed25519_key.pub'], { encoding: 'utf8' });
    expect(after).toBe(`new\n${replaced.hostKeys[0]} root@app-3\n`);
    expect(await sshOk(lab.sshConfigFile, 'app-3', 'hostname')).toBe('app-3\n');
  });

  test('down leaves nothing (namespaces, links, routes, mounts, processes, cgroups), and down twice is fine', async () => {
    expect(labLeftovers(layout).length).toBeGreaterThan(0);
    await labDown({ name: NAME });
    expect(labLeftovers(layout)).toEqual([]);
    await labDown({ name: NAME });
    expect(labLeftovers(layout)).toEqual([]);
  });
});
