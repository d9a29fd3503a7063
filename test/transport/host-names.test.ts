import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnectionPool, TransportError } from '../../src/transport';
import { parseSshConfig, resolveSshHost, type EndpointOverrides } from '../../src/transport/ssh-config';
import { hostNameProblem, userNameProblem } from '../../src/transport/target';

/**
 * Host and user names reach a ProxyCommand's %h, %r and %n under `sh -c`, and host names are
 * written into known_hosts as they are: names with shell syntax, whitespace or commas are refused,
 * as OpenSSH 9.6 refuses them, before anything is run or recorded.
 */

const context = { home: '/home/op', localUser: 'op' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pt-names-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function resolve(text: string, alias: string, overrides: EndpointOverrides = {}) {
  return resolveSshHost(parseSshConfig('/inv/ssh.config', text), alias, overrides, context);
}

test('ordinary names pass: DNS names, IPv4, IPv6 with a zone, user names with dots, dashes and underscores', () => {
  for (const name of ['web-1.internal', '10.0.0.5', 'fe80::1%eth0', 'App_2.Example.COM']) expect(hostNameProblem(name)).toBeUndefined();
  for (const name of ['deploy', 'first.last', 'svc_app-2', 'root']) expect(userNameProblem(name)).toBeUndefined();
});

test('shell syntax, whitespace, commas, known_hosts syntax and a leading dash are refused, naming the host and the setting', () => {
  for (const name of ['10.0.0.5$(touch x)', 'a`id`', 'a;b', 'a|b', 'a&b', 'a>b', "a'b", 'a"b', 'a\\b', 'a b', 'a\tb', 'a\nb', 'web-1.internal,*', '*', 'web-?', '[web]:2', '#web', 'web@x', '-oProxyCommand=x', '']) {
    expect(hostNameProblem(name)).toMatch(/^invalid host name .*: it (contains|starts|is empty)/);
  }
  for (const name of ['u$(touch x)', 'u`id`', 'u;x', 'a b', 'a,b', '-l', 'u\\']) expect(userNameProblem(name)).toMatch(/^invalid user name/);

  expect(() => resolve('', 'web', { hostName: '10.0.0.5$(touch x)' })).toThrow('web: host web, hostName: invalid host name "10.0.0.5$(touch x)": it contains "$"');
  expect(() => resolve('', 'web', { user: 'a b' })).toThrow('web: host web, user: invalid user name "a b": it contains whitespace');
  expect(() => resolve('', 'web$(id)')).toThrow('web$(id): host web$(id): invalid host name "web$(id)": it contains "$"');
  const fromConfig = (text: string, alias = 'web') => {
    try {
      resolve(text, alias);
    } catch (err) {
      return err;
    }
    return undefined;
  };
  expect(fromConfig('Host web\n  HostName web-1.internal,*')).toMatchObject({ kind: 'config', host: 'web', message: 'web: /inv/ssh.config:2: host web, HostName: invalid host name "web-1.internal,*": it contains ","' });
  expect(fromConfig('Host web\n  User "a;b"')).toMatchObject({ message: expect.stringContaining('/inv/ssh.config:2: host web, User: invalid user name "a;b"') });
  expect(fromConfig('Host web\n  HostKeyAlias x*')).toMatchObject({ message: expect.stringContaining('HostKeyAlias: invalid host name "x*"') });
  expect(fromConfig('Host web\n  ProxyJump u$(id)@bastion')).toMatchObject({ message: expect.stringContaining('ProxyJump: invalid user name "u$(id)"') });
  expect(fromConfig('Host web\n  ProxyJump b$(id)')).toMatchObject({ message: expect.stringContaining('ProxyJump: invalid host name "b$(id)"') });
  expect(fromConfig('Host web\n  ProxyJump bastion:99999')).toMatchObject({ message: expect.stringContaining('ProxyJump: not a port number: "99999"') });
});

test('a host or user name with shell syntax never reaches the ProxyCommand shell', async () => {
  const marker = path.join(dir, 'marker');
  const config = path.join(dir, 'ssh.config');
  // `true` ignores its arguments: only the shell's own expansion of %h, %r or %n could create the marker.
  writeFileSync(config, 'Host *\n  ProxyCommand true %h %r %n\n');
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null, connectAttempts: 1 });
  const targets = [
    { name: 'web', hostName: `10.0.0.5$(touch ${marker})` },
    { name: 'web', user: `deploy$(touch ${marker})` },
    { name: `web$(touch ${marker})` },
    { name: 'web', hostName: `10.0.0.5;touch ${marker}` },
  ];
  const errors: unknown[] = [];
  try {
    for (const target of targets) errors.push(await pool.connect(target).catch((err: unknown) => err));
  } finally {
    await pool.closeAll();
  }
  expect(existsSync(marker)).toBe(false);
  for (const error of errors) {
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ kind: 'config', message: expect.stringMatching(/invalid (host|user) name/) });
  }
});
