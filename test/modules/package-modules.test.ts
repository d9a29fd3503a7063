import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import type { ModuleContext, ModuleDefinition, ModuleResult } from '../../src/modules/module';
import { parseArgs } from '../../src/engine/playbook/module-args';
import type { Origin } from '../../src/engine/playbook/types';
import { parseDpkgPackages } from '../../src/modules/commands/packages';
import { parseSystemdServices } from '../../src/modules/commands/services';
import { makeContext } from './context';
import { buildTinyDeb } from './tiny-deb';

/**
 * package, package_facts and service_facts for real on this machine (the tests run as root), with
 * the arguments parsed as the engine parses a task's (aliases renamed). package works on a tiny
 * package built with dpkg-deb, purged afterwards even on failure.
 */
const PKG = `play-package-test${process.pid}`;
const conn = new LocalConnection();
const ORIGIN = { file: 'test.yml', line: 1 } as unknown as Origin;

function mod(name: string): ModuleDefinition {
  const found = getModule(name);
  if (!found) throw new Error(`no ${name} module`);
  return found;
}

function run(name: string, args: Record<string, unknown>, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  const module = mod(name);
  return module.run(parseArgs(module, args, ORIGIN), makeContext(conn, overrides));
}

function dpkgStatus(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}${Version}', PKG], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'none';
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'play-package-'));
});
afterAll(async () => {
  execFileSync('dpkg', ['--purge', PKG], { stdio: 'ignore' });
  await rm(dir, { recursive: true, force: true });
});

describe('package: apt on Debian', () => {
  it('is registered by its short and ansible.builtin names, with the facts modules', () => {
    for (const name of ['package', 'package_facts', 'service_facts']) {
      expect(getModule(name)?.name).toBe(name);
      expect(getModule(`ansible.builtin.${name}`)?.name).toBe(name);
    }
  });

  it('takes Ansible\'s arguments: pkg alias, installed/removed states, apt\'s own arguments', () => {
    const parse = (args: Record<string, unknown>) => parseArgs(mod('package'), args, ORIGIN);
    expect(parse({ pkg: 'curl,wget' })).toMatchObject({ name: ['curl', 'wget'], state: 'present', use: 'auto' });
    expect(parse({ name: ['curl'], state: 'installed' })).toMatchObject({ state: 'present' });
    expect(parse({ name: 'curl', state: 'removed' })).toMatchObject({ state: 'absent' });
    expect(parse({ name: 'curl', state: 'latest', update_cache: 'yes', cache_valid_time: 600 })).toMatchObject({ state: 'latest', update_cache: true });
    expect(() => parse({ name: 'curl', state: 'build-dep' })).toThrow(/package: argument 'state'/);
    expect(() => parse({ name: 'curl', definitely_not_an_option: 1 })).toThrow(/unknown argument 'definitely_not_an_option'/);
    expect(() => parse({ name: '--force-yes' })).toThrow(/not a Debian package name/);
  });

  it('fails clearly on another backend, or on another backend\'s arguments, before touching the host', async () => {
    await expect(run('package', { name: 'curl', use: 'yum' })).rejects.toThrow(/package: use: yum, but play manages packages with apt only/);
    const dnfHost = { facts: { pkg_mgr: 'dnf' } as ModuleContext['facts'] };
    await expect(run('package', { name: 'curl' }, dnfHost)).rejects.toThrow(/the host's package manager is dnf/);
    await expect(run('package', { name: 'fail2ban', enablerepo: 'epel' })).rejects.toThrow(/Unsupported parameters for \(apt\) module: enablerepo/);
  });

  it('predicts in check mode, then removes once, as apt does; use: apt is the same', async () => {
    const deb = join(dir, `${PKG}_1.0_all.deb`);
    await writeFile(deb, buildTinyDeb(PKG, '1.0', 'dpkg'));
    execFileSync('dpkg', ['-i', deb], { stdio: 'ignore' });
    expect(dpkgStatus()).toBe('ii 1.0');

    expect(await run('package', { pkg: PKG, state: 'installed' })).toMatchObject({ changed: false, installed: [], removed: [] });
    expect(await run('package', { name: PKG, state: 'removed' }, { check: true })).toMatchObject({ changed: true, removed: [PKG] });
    expect(dpkgStatus()).toBe('ii 1.0');
    expect(await run('package', { name: [PKG], state: 'absent', use: 'apt' })).toMatchObject({ changed: true, removed: [PKG] });
    expect(dpkgStatus()).not.toMatch(/^ii/);
    expect(await run('package', { name: PKG, state: 'absent' })).toMatchObject({ changed: false, removed: [] });

    // apt's `deb:` through package; check mode installs nothing
    expect(await run('package', { deb }, { check: true })).toMatchObject({ changed: true, installed: [`${PKG}=1.0`] });
    // apt's Ansible alias install-recommends, handed to apt-get as --no-install-recommends
    expect(await run('package', { deb, 'install-recommends': 'no' }, { check: true })).toMatchObject({ changed: true, installed: [`${PKG}=1.0`] });
    expect(dpkgStatus()).not.toMatch(/^ii/);
  });
});

describe('package_facts', () => {
  it('lists the installed packages as Ansible does with apt, the same in check mode', async () => {
    const version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'dpkg'], { encoding: 'utf8' });
    for (const check of [false, true]) {
      const result = await run('package_facts', {}, { check });
      expect(result.changed).toBe(false);
      const packages = (result.ansible_facts as { packages: Record<string, unknown[]> }).packages;
      expect(packages.dpkg).toEqual([{ name: 'dpkg', version, arch: expect.any(String), category: 'admin', source: 'apt' }]);
    }
    expect((await run('package_facts', { manager: 'apt' })).changed).toBe(false);
    expect((await run('package_facts', { manager: ['auto'], strategy: 'all' })).changed).toBe(false);
    await expect(run('package_facts', { manager: 'rpm' })).rejects.toThrow(/manager rpm is not supported by play/);
  });

  it('keeps installed packages only, every architecture of a multi-arch one', () => {
    const out = ['libc6\t2.36-9\tamd64\tlibs\tinstalled', 'libc6\t2.36-9\ti386\tlibs\tinstalled', 'gone\t1.0\tall\tadmin\tconfig-files', 'nosec\t1\tall\t\tinstalled', ''].join('\n');
    expect(parseDpkgPackages(out)).toEqual({
      libc6: [
        { name: 'libc6', version: '2.36-9', arch: 'amd64', category: 'libs', source: 'apt' },
        { name: 'libc6', version: '2.36-9', arch: 'i386', category: 'libs', source: 'apt' },
      ],
      nosec: [{ name: 'nosec', version: '1', arch: 'all', source: 'apt' }],
    });
  });
});

describe('service_facts', () => {
  it('reads systemd\'s units and unit files as Ansible does', () => {
    const out = [
      '#units',
      'cron.service       loaded    active   running Regular background program processing daemon',
      'ssh.service        loaded    inactive dead    OpenBSD Secure Shell server',
      'oops.service       loaded    failed   failed  Broken',
      'gone.service       not-found inactive dead    gone.service',
      'networking.service loaded    active   exited  Raise network interfaces',
      '#unit-files',
      'cron.service        enabled  enabled',
      'ssh.service         disabled enabled',
      'oops.service        enabled  enabled',
      'getty@.service      enabled  enabled',
      'networking.service  enabled  enabled',
      'apt-daily.service   static   -',
    ].join('\n');
    expect(parseSystemdServices(out)).toEqual({
      'cron.service': { name: 'cron.service', state: 'running', status: 'enabled', source: 'systemd' },
      'ssh.service': { name: 'ssh.service', state: 'stopped', status: 'disabled', source: 'systemd' },
      'oops.service': { name: 'oops.service', state: 'stopped', status: 'failed', source: 'systemd' },
      'gone.service': { name: 'gone.service', state: 'stopped', status: 'not-found', source: 'systemd' },
      'networking.service': { name: 'networking.service', state: 'stopped', status: 'enabled', source: 'systemd' },
      'getty@.service': { name: 'getty@.service', state: 'inactive', status: 'enabled', source: 'systemd' },
      'apt-daily.service': { name: 'apt-daily.service', state: 'inactive', status: 'static', source: 'systemd' },
    });
    expect(parseSystemdServices('#units\n#units-failed\n#unit-files\ncron.service enabled enabled\n')).toBeUndefined();
  });

  it('changes nothing, in check mode too; skipped as Ansible on a host not booted with systemd', async () => {
    expect(() => parseArgs(mod('service_facts'), { name: 'x' }, ORIGIN)).toThrow(/unknown argument 'name'/);
    for (const check of [false, true]) {
      const result = await run('service_facts', {}, { check });
      expect(result.changed).toBe(false);
      if (existsSync('/run/systemd/system')) {
        expect(Object.keys((result.ansible_facts as { services: object }).services).length).toBeGreaterThan(0);
      } else {
        expect(result).toMatchObject({ skipped: true, msg: expect.stringMatching(/^Failed to find any services/) });
      }
    }
  });
});
