import { getModule } from '../../src/modules';
import type { ModuleContext, ProbeRequest } from '../../src/modules/module';
import type { Connection } from '../../src/transport/connection';
import { batchable } from '../../src/transport/batch-script';
import { makeContext } from './context';

/**
 * What the site's modules declare they start with (batched probing): only reads, nothing a batch
 * cannot carry, and nothing at all for the modules that run on the controller. Whether the
 * declarations answer a converged run is checked on a real host by every cycle() of
 * modules.integration.test.ts.
 */

/** A host no module may touch: any use fails the test. */
const untouchable = new Proxy({ host: 'app-1' } as Connection, {
  get(target, key) {
    if (key === 'host' || key === 'then') return Reflect.get(target, key);
    throw new Error(`the module used the connection (${String(key)})`);
  },
});

function ctx(overrides: Partial<ModuleContext> = {}): ModuleContext {
  return makeContext(untouchable, { become: true, ...overrides });
}

function declared(name: string, args: unknown, overrides: Partial<ModuleContext> = {}): ProbeRequest[] | undefined {
  const module = getModule(name);
  if (!module?.probe) throw new Error(`${name} declares no probe`);
  return module.probe(module.args.parse(args), ctx(overrides));
}

function commands(ops: ProbeRequest[] | undefined): string[] {
  return (ops ?? []).map((op) => (op.kind === 'run' ? op.command : `read ${op.path}`));
}

describe('modules that run on the controller', () => {
  it.each([
    ['debug', { msg: 'hi' }],
    ['debug', { var: 'x' }],
    ['assert', { that: ['x == 1'] }],
    ['fail', { msg: 'no' }],
    ['set_fact', { y: 2 }],
  ])('%s declares no probe and never touches the host', async (name, args) => {
    expect(declared(name, args)).toEqual([]);
    const module = getModule(name);
    await expect(module?.run(module.args.parse(args), ctx({ vars: { x: 1 } }))).resolves.toMatchObject({ changed: false });
  });

  it('include_vars declares no probe and reads only the controller', async () => {
    expect(declared('include_vars', { file: 'vars.yml' })).toEqual([]);
    const module = getModule('include_vars');
    const overrides = { resolveLocal: () => __filename, readVarsFile: () => ({ z: 3 }) };
    await expect(module?.run(module.args.parse({ file: 'vars.yml' }), ctx(overrides))).resolves.toMatchObject({ facts: { z: 3 } });
  });
});

describe('host modules declare only what they read first', () => {
  it('apt: the package and cache-age probe, and the .deb probe; never apt-get', () => {
    const ops = declared('apt', { name: ['nginx', 'curl=7.88.1-10'], update_cache: true, cache_valid_time: 3600, deb: '/tmp/x.deb', upgrade: 'dist', autoremove: true });
    expect(ops).toHaveLength(2);
    expect(commands(ops).join('\n')).toMatch(/apt-cache policy -- nginx curl /);
    expect(commands(ops).join('\n')).toMatch(/dpkg-deb -f "\$f" Package/);
    expect(commands(ops).join('\n')).not.toMatch(/apt-get/);
    expect(ops?.every((op) => op.options.become === true && batchable(op))).toBe(true);
  });

  it('package hands apt its arguments, so it declares what apt declares; another backend declares nothing it could run', () => {
    expect(declared('package', { name: 'nginx', state: 'installed' })).toEqual(declared('apt', { name: 'nginx', state: 'present' }));
    expect(() => declared('package', { name: 'nginx', use: 'yum' })).toThrow(/apt only/);
  });

  it('systemd and service: the unit status; a daemon-reload is a change, so that task is not gathered ahead', () => {
    expect(commands(declared('service', { name: 'nginx', state: 'started' }))).toEqual(["systemctl show --property=LoadState,ActiveState,UnitFileState -- nginx"]);
    expect(declared('systemd', { name: 'nginx', state: 'started', daemon_reload: true })).toBeUndefined();
    expect(declared('systemd', { daemon_reload: true })).toBeUndefined();
    // check mode skips the reload: the status is all it reads
    expect(commands(declared('systemd', { name: 'nginx', daemon_reload: true }, { check: true }))).toEqual(commands(declared('systemd', { name: 'nginx' })));
  });

  it('user: the account lookup; with a password the lookup reads it on stdin, which a batch cannot carry', () => {
    expect(commands(declared('user', { name: 'deploy', shell: '/bin/bash' }))).toEqual([expect.stringMatching(/getent passwd/)]);
    expect(declared('user', { name: 'deploy', password: '$6$salt$hash' })).toBeUndefined();
  });

  it('authorized_key: the account and its keys file in one command, for the default path too', () => {
    const ops = commands(declared('authorized_key', { user: 'deploy', key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeploy deploy@x' }));
    expect(ops).toEqual([expect.stringMatching(/getent passwd[\s\S]*"\$h"\/\.ssh\/authorized_keys/)]);
  });

  it('sysctl: the settings file and the live value apart, so a loop over settings reads the file once in a batch', () => {
    const ops = commands(declared('sysctl', { name: 'net.ipv4.ip_forward', value: 1 }));
    const other = commands(declared('sysctl', { name: 'net.ipv4.tcp_syncookies', value: 1 }));
    expect(ops).toHaveLength(2);
    expect(other[0]).toBe(ops[0]);
    expect(ops[1]).toContain('/proc/sys/net/ipv4/ip_forward');
  });

  it.each([
    ['group', { name: 'deploy' }],
    ['lineinfile', { path: '/etc/x.conf', line: 'a' }],
    ['blockinfile', { path: '/etc/x.conf', block: 'a' }],
  ])('%s: one read-only command', (name, args) => {
    const ops = declared(name, args);
    expect(ops).toHaveLength(1);
    expect(ops?.[0]).toMatchObject({ kind: 'run', options: { become: true } });
    expect(ops?.every(batchable)).toBe(true);
  });
});
