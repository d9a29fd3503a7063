import { getModule, moduleNames } from '../../src/modules';
import type { Connection } from '../../src/transport/connection';
import { makeContext, runModule } from './context';

const ISSUE_MODULES = [
  'apt', 'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'service', 'systemd', 'user', 'group', 'authorized_key',
  'command', 'shell', 'stat', 'sysctl', 'reboot', 'wait_for', 'uri', 'debug', 'assert', 'set_fact', 'fail', 'pause', 'setup',
];

describe('module registry', () => {
  it('has every module of the first set, by short and ansible.builtin name', () => {
    for (const name of ISSUE_MODULES) {
      expect(getModule(name)?.name).toBe(name);
      expect(getModule(`ansible.builtin.${name}`)?.name).toBe(name);
    }
    expect(moduleNames()).toEqual(expect.arrayContaining(ISSUE_MODULES));
  });

  it('maps Ansible collection names and aliases', () => {
    expect(getModule('ansible.posix.authorized_key')?.name).toBe('authorized_key');
    expect(getModule('ansible.posix.sysctl')?.name).toBe('sysctl');
    expect(getModule('ansible.builtin.systemd_service')?.name).toBe('systemd');
  });

  it('returns undefined for an unknown module', () => {
    expect(getModule('copyy')).toBeUndefined();
    expect(getModule('ansible.builtin.nope')).toBeUndefined();
  });

  it('refuses an unknown argument in every host module, naming it', () => {
    for (const name of moduleNames().filter((n) => n !== 'set_fact')) {
      const result = getModule(name)?.args.safeParse({ definitely_not_an_option: 1 });
      expect(result?.success).toBe(false);
      const unknown = result?.error?.issues.find((issue) => issue.code === 'unrecognized_keys');
      expect({ name, keys: unknown && 'keys' in unknown ? unknown.keys : [] }).toEqual({ name, keys: ['definitely_not_an_option'] });
    }
  });

  it('refuses wrong types before any host is touched', () => {
    expect(getModule('copy')?.args.safeParse({ dest: '/x', content: 'a', mode: 'rwx' }).success).toBe(false);
    expect(getModule('apt')?.args.safeParse({ name: '--force-yes' }).success).toBe(false);
    expect(getModule('apt')?.args.safeParse({ name: 'nginx', cache_valid_time: 'soon' }).success).toBe(false);
    expect(getModule('file')?.args.safeParse({ path: '/x', state: 'link' }).success).toBe(false);
    expect(getModule('wait_for')?.args.safeParse({ port: 80, path: '/x' }).success).toBe(false);
    expect(getModule('uri')?.args.safeParse({ url: 'ftp://x' }).success).toBe(false);
    expect(getModule('sysctl')?.args.safeParse({ name: 'net.ipv4.ip_forward; reboot', value: 1 }).success).toBe(false);
    expect(getModule('set_fact')?.args.safeParse({ 'not a name': 1 }).success).toBe(false);
  });

  it('declares the free-form argument of command, shell, debug and fail', () => {
    expect(getModule('command')?.freeForm).toBe('cmd');
    expect(getModule('shell')?.freeForm).toBe('cmd');
    expect(getModule('debug')?.freeForm).toBe('msg');
    expect(getModule('fail')?.freeForm).toBe('msg');
  });

  it('runs the controller-side modules without touching the connection', async () => {
    const noConnection = new Proxy({} as Connection, {
      get: (_target, key) => {
        if (key === 'host') return 'h1';
        throw new Error(`the module used the connection (${String(key)})`);
      },
    });
    const ctx = makeContext(noConnection, {
      vars: { answer: 42 },
      readVarsFile: () => ({ from_file: true }),
    });
    const run = (name: string, args: unknown) => runModule(getModule(name)!, args, ctx);
    expect(await run('debug', { var: 'answer' })).toMatchObject({ changed: false, answer: 42 });
    expect(await run('debug', { msg: 'hi' })).toMatchObject({ changed: false, msg: 'hi' });
    expect(await run('assert', { that: ['answer == 42'] })).toMatchObject({ changed: false, msg: 'All assertions passed' });
    expect(await run('assert', { that: 'answer == 41' })).toMatchObject({ failed: true, assertion: 'answer == 41' });
    expect(await run('set_fact', { x: 1 })).toMatchObject({ changed: false, facts: { x: 1 } });
    expect(await run('fail', { msg: 'stop' })).toMatchObject({ failed: true, msg: 'stop' });
    expect(await run('pause', { seconds: 0 })).toMatchObject({ changed: false });
    expect(await run('include_vars', { file: __filename })).toMatchObject({ changed: false, facts: { from_file: true } });
  });
});
