import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackOutputs } from '../../src/contract/stack-outputs';
import { debianMirror } from '../../src/lab/debian-mirror';
import { hostPlan, labLayout, MAX_APPS } from '../../src/lab/layout';
import { labStackOutputs } from '../../src/lab/lab-outputs';
import { haproxyConfig } from '../../src/lab/load-balancer';
import { checkPrerequisites } from '../../src/lab/preflight';
import { labUp } from '../../src/lab';
import type { HostRecord } from '../../src/lab/state';

const record = (plan: ReturnType<typeof hostPlan>): HostRecord => ({ ...plan, hostKeys: ['ssh-ed25519 AAAA'] });

describe('preflight', () => {
  test('not root: says to run it as root', () => {
    expect(() => checkPrerequisites(1000)).toThrow('play lab needs root (network namespaces, mounts, systemd-nspawn): run it as root, e.g. `sudo npx play lab up`');
  });

  test('missing programs: names the exact apt-get command', () => {
    expect(() => checkPrerequisites(0, '/nonexistent')).toThrow(
      'run `apt-get install -y debootstrap systemd-container iproute2 nftables openssh-client dpkg-dev dpkg apt mount coreutils`',
    );
  });

  test('everything present on this machine: no error', () => {
    expect(() => checkPrerequisites(0)).not.toThrow();
  });
});

describe('layout', () => {
  test('the tests\' lab and the default lab get different /16s inside 10.200-10.229 (10.231 belongs to others)', () => {
    const names = ['default', 'test', 'test-kill'];
    const octets = names.map((n) => labLayout(n).octet);
    expect(new Set(octets).size).toBe(names.length);
    for (const octet of octets) expect(octet >= 200 && octet <= 229).toBe(true);
  });

  test('interface names fit in 15 characters and start with lab, even for the last app host', () => {
    const layout = labLayout('default');
    const last = hostPlan(layout, 'app', MAX_APPS);
    for (const name of [layout.publicBridge, layout.switchNetns, `${layout.tag}p${last.index}`, `${layout.tag}s${last.index}`]) {
      expect(name.length).toBeLessThanOrEqual(15);
      expect(name.startsWith('lab')).toBe(true);
    }
  });

  test('bastion and load balancer are dual-homed, app and logs hosts private only', () => {
    const layout = labLayout('default');
    expect(hostPlan(layout, 'bastion').publicAddress).toBe(`10.${layout.octet}.1.2`);
    expect(hostPlan(layout, 'lb').publicAddress).toBe(`10.${layout.octet}.1.3`);
    expect(hostPlan(layout, 'logs').publicAddress).toBeUndefined();
    expect(hostPlan(layout, 'app', 3)).toMatchObject({ name: 'app-3', privateAddress: `10.${layout.octet}.2.13`, publicAddress: undefined });
  });

  test('a bad lab name is refused with the rule', () => {
    expect(() => labLayout('My Lab')).toThrow('lab name "My Lab": use 1-16 of a-z, 0-9, \'-\', starting with a letter');
  });
});

describe('outputs and load balancer config', () => {
  const layout = labLayout('default');
  const hosts = [hostPlan(layout, 'bastion'), hostPlan(layout, 'lb'), hostPlan(layout, 'logs'), hostPlan(layout, 'app', 1), hostPlan(layout, 'app', 2)].map(record);

  test('the lab\'s outputs satisfy the stack outputs contract', () => {
    const outputs = stackOutputs.parse(labStackOutputs('default', hosts));
    expect(outputs.bastion_public_ip).toBe(hosts[0].publicAddress);
    expect(outputs.app_instances.map((a) => [a.name, a.availability_zone])).toEqual([
      ['app-1', 'lab-a'],
      ['app-2', 'lab-b'],
    ]);
    expect(outputs.load_balancer).toEqual({ driver: 'haproxy', admin_address: `${hosts[1].publicAddress}:9999`, backend: 'app' });
  });

  test('HAProxy balances over the app hosts with a /health check; frontend and runtime API on the public side', () => {
    const config = haproxyConfig(hosts[1], hosts.slice(3));
    expect(config).toContain(`bind ${hosts[1].publicAddress}:80`);
    expect(config).toContain(`stats socket ipv4@${hosts[1].publicAddress}:9999 level admin`);
    expect(config).toContain('balance roundrobin');
    expect(config).toContain('option httpchk GET /health');
    expect(config).toContain(`server app-1 ${hosts[3].privateAddress}:80 check\n  server app-2 ${hosts[4].privateAddress}:80 check`);
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
    await expect(labUp({ name: 'nosuchlab', stateDir: dir })).rejects.toThrow(`${dir} exists and is not a lab's state directory`);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});
