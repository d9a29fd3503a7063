import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackOutputs } from '../../src/contract/stack-outputs';
import { debianMirror } from '../../src/lab/debian-mirror';
import { labLayout, MAX_APPS, planHosts, switchPort } from '../../src/lab/layout';
import { labStackOutputs } from '../../src/lab/lab-outputs';
import { haproxyConfig } from '../../src/lab/load-balancer';
import { checkPrerequisites } from '../../src/lab/preflight';
import { labUp } from '../../src/lab';
import type { HostRecord } from '../../src/lab/state';
import { readStackTopology } from '../../src/lab/stack/read-stack';
import type { StackTopology } from '../../src/lab/stack/topology';
import { synthStackFile, type StackFile } from '../support/stack-file';

describe('preflight', () => {
  test('not root: says to run it as root', () => {
    expect(() => checkPrerequisites(1000)).toThrow('play lab needs root (network namespaces, mounts, systemd-nspawn): run it as root, e.g. `sudo npx play lab up`');
  });

  test('missing programs: names the exact apt-get command', () => {
    expect(() => checkPrerequisites(0, '/nonexistent')).toThrow(
      'run `apt-get install -y debootstrap systemd-container iproute2 nftables openssh-client dpkg-dev dpkg apt mount openssl coreutils`',
    );
  });

  test('everything present on this machine: no error', () => {
    expect(() => checkPrerequisites(0)).not.toThrow();
  });
});

describe('layout', () => {
  let staging: StackFile;
  let topology: StackTopology;
  beforeAll(() => {
    staging = synthStackFile('staging');
    topology = readStackTopology(staging.file);
  });
  afterAll(() => staging.cleanup());

  test('the tests\' lab and the default lab get different /16s inside 10.200-10.229 (10.231 belongs to others)', () => {
    const names = ['default', 'test', 'test-kill'];
    const octets = names.map((n) => labLayout(n).octet);
    expect(new Set(octets).size).toBe(names.length);
    for (const octet of octets) expect(octet >= 200 && octet <= 229).toBe(true);
  });

  test('interface names fit in 15 characters and start with lab, even for the last app host', () => {
    const layout = labLayout('default');
    const [last] = planHosts(layout, [{ ...topology.instances.find((i) => i.role === 'app')!, name: `app-${MAX_APPS}` }]).filter((p) => p.role === 'app');
    for (const name of [layout.publicBridge, layout.switchNetns, `${layout.tag}p${last.index}`, switchPort(layout, last)]) {
      expect(name.length).toBeLessThanOrEqual(15);
      expect(name.startsWith('lab')).toBe(true);
    }
  });

  test('a host per instance of the stack plus the load balancer; public-subnet hosts are dual-homed, private ones private only', () => {
    const layout = labLayout('default');
    const plans = planHosts(layout, topology.instances);
    expect(plans.map((p) => [p.name, p.role, p.publicAddress, p.privateAddress])).toEqual([
      ['bastion', 'bastion', `10.${layout.octet}.1.2`, `10.${layout.octet}.2.2`],
      ['lb', 'lb', `10.${layout.octet}.1.3`, `10.${layout.octet}.2.3`],
      ['db', 'database', undefined, `10.${layout.octet}.2.4`],
      ['logs', 'logs', undefined, `10.${layout.octet}.2.5`],
      ['app-1', 'app', undefined, `10.${layout.octet}.2.11`],
      ['app-2', 'app', undefined, `10.${layout.octet}.2.12`],
    ]);
  });

  test('hosts the lab has keep their addresses when the stack grows', () => {
    const layout = labLayout('default');
    const before = planHosts(layout, topology.instances);
    const app3 = { ...topology.instances.find((i) => i.name === 'app-2')!, name: 'app-3', address: 'aws_instance.app-3' };
    const after = planHosts(layout, [...topology.instances, app3], before);
    expect(after.filter((p) => before.some((b) => b.name === p.name))).toEqual(before);
    expect(after.find((p) => p.name === 'app-3')?.privateAddress).toBe(`10.${layout.octet}.2.13`);
  });

  test('a bad lab name is refused with the rule', () => {
    expect(() => labLayout('My Lab')).toThrow('lab name "My Lab": use 1-16 of a-z, 0-9, \'-\', starting with a letter');
  });
});

describe('outputs and load balancer config, from the stack', () => {
  const layout = labLayout('default');
  let staging: StackFile;
  let production: StackFile;
  beforeAll(() => {
    staging = synthStackFile('staging', { app: { count: 3, instanceType: 't3.small', outOfService: ['app-3'] } });
    production = synthStackFile('production');
  });
  afterAll(() => {
    staging.cleanup();
    production.cleanup();
  });
  const hostsOf = (topology: StackTopology): HostRecord[] => planHosts(layout, topology.instances).map((plan) => ({ ...plan, hostKeys: ['ssh-ed25519 AAAA'] }));

  test('the stack\'s own outputs, evaluated against the lab, satisfy the outputs contract', () => {
    const topology = readStackTopology(staging.file);
    const hosts = hostsOf(topology);
    const at = (name: string) => hosts.find((h) => h.name === name)!;
    const outputs = stackOutputs.parse(labStackOutputs(topology, hosts));
    expect(outputs.environment).toBe('staging');
    expect(outputs.bastion_public_ip).toBe(at('bastion').publicAddress);
    expect(outputs.load_balancer_dns).toBe(at('lb').publicAddress);
    expect(outputs.app_instances.map((a) => [a.name, a.private_ip, a.availability_zone, a.instance_id])).toEqual([
      ['app-1', at('app-1').privateAddress, 'eu-west-1a', 'lab-app-1'],
      ['app-2', at('app-2').privateAddress, 'eu-west-1b', 'lab-app-2'],
      ['app-3', at('app-3').privateAddress, 'eu-west-1a', 'lab-app-3'],
    ]);
    expect(outputs.log_collectors.map((a) => a.name)).toEqual(['logs']);
    expect(outputs.load_balancer).toEqual({ driver: 'haproxy', admin_address: `${at('lb').publicAddress}:9999`, backend: 'app' });
    // RDS's managed secret has no lab: the stand-in host, and its password as an inventory variable.
    expect(outputs.database).toEqual({ endpoint: at('db').privateAddress, port: 5432, name: 'bookshelf', user: 'bookshelf', host: 'db', credential: { kind: 'inventory', variable: 'database_password' } });
  });

  test('production\'s load balancer name is its DNS alias: the lab answers it with the stand-in\'s address', () => {
    const topology = readStackTopology(production.file);
    const hosts = hostsOf(topology);
    expect(labStackOutputs(topology, hosts).load_balancer_dns).toBe(hosts.find((h) => h.name === 'lb')!.publicAddress);
  });

  test('HAProxy: the listener, the target group\'s health check, and only the attached instances as servers', () => {
    const topology = readStackTopology(staging.file);
    const hosts = hostsOf(topology);
    const lb = hosts.find((h) => h.name === 'lb')!;
    const config = haproxyConfig(lb, topology.loadBalancer, hosts);
    expect(config).toContain(`frontend http-80\n  bind ${lb.publicAddress}:80\n  default_backend app`);
    expect(config).toContain(`stats socket ipv4@${lb.publicAddress}:9999 level admin`);
    expect(config).toContain('option httpchk GET /health\n  http-check expect rstatus ^(200)$\n  timeout check 5s\n  default-server inter 10s fall 3 rise 2');
    expect(config).toContain('hard-stop-after 30s');
    const servers = config.split('\n').filter((line) => line.startsWith('  server '));
    expect(servers).toEqual(['app-1', 'app-2'].map((name) => `  server ${name} ${hosts.find((h) => h.name === name)!.privateAddress}:80 check`));
  });

  test('HAProxy for production: HTTPS with the lab\'s certificate, HTTP redirected to it', () => {
    const topology = readStackTopology(production.file);
    const hosts = hostsOf(topology);
    const lb = hosts.find((h) => h.name === 'lb')!;
    const config = haproxyConfig(lb, topology.loadBalancer, hosts);
    expect(config).toContain(`frontend http-80\n  bind ${lb.publicAddress}:80\n  http-request redirect scheme https code 301`);
    expect(config).toContain(`frontend https-443\n  bind ${lb.publicAddress}:443 ssl crt /etc/haproxy/lab-listener.pem\n  default_backend app`);
  });
});

describe('debian mirror', () => {
  const aptDir = (files: Record<string, string>): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-apt-'));
    mkdirSync(path.join(dir, 'sources.list.d'));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  };

  test('taken from a deb822 source that serves bookworm', () => {
    const dir = aptDir({
      'sources.list.d/other.sources': 'Types: deb\nURIs: https://example.org/x\nSuites: nodistro\nComponents: main\n',
      'sources.list.d/debian.sources': 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n',
    });
    expect(debianMirror(dir)).toBe('http://mirror.example/debian');
  });

  test('or from a one-line sources.list', () => {
    expect(debianMirror(aptDir({ 'sources.list': '# x\ndeb [arch=amd64] http://old.example/debian bookworm main\n' }))).toBe('http://old.example/debian');
  });
});

describe('up refuses what is not its own', () => {
  test('a state directory holding someone else\'s files is neither used nor deleted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'not-a-lab-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expect(labUp({ name: 'nosuchlab', stateDir: dir, stack: path.join(dir, 'cdk.tf.json') })).rejects.toThrow(`${dir} exists and is not a lab's state directory`);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});
