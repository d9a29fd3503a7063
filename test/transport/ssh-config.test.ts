import { parseSshConfig, resolveSshHost, type EndpointOverrides, type SshEndpoint } from '../../src/transport/ssh-config';
import { TransportError } from '../../src/transport/connection';

const context = { home: '/home/op', localUser: 'op' };

function resolve(text: string, alias: string, overrides: EndpointOverrides = {}): SshEndpoint {
  return resolveSshHost(parseSshConfig('/inv/ssh.config', text), alias, overrides, context);
}

describe('resolveSshHost', () => {
  test('first value obtained wins, across Host blocks, as in OpenSSH', () => {
    const endpoint = resolve(
      `Host app-1\n  HostName 10.0.1.5\n  User deploy\nHost app-*\n  User admin\n  Port 2222\n  IdentityFile ~/.ssh/app\nHost *\n  User nobody\n  IdentityFile ~/.ssh/all\n  ConnectTimeout 7\n  ServerAliveInterval 30\n  ServerAliveCountMax 5`,
      'app-1',
    );
    expect(endpoint).toMatchObject({
      alias: 'app-1',
      hostName: '10.0.1.5',
      user: 'deploy',
      port: 2222,
      identityFiles: ['/home/op/.ssh/app', '/home/op/.ssh/all'],
      connectTimeoutMs: 7000,
      serverAliveIntervalMs: 30000,
      serverAliveCountMax: 5,
      proxy: { kind: 'direct' },
    });
  });

  test('defaults: alias as host name, local user, port 22, OpenSSH default identities and known_hosts, accept-new', () => {
    expect(resolve('', 'plain')).toMatchObject({
      hostName: 'plain',
      user: 'op',
      port: 22,
      identityFiles: ['/home/op/.ssh/id_ed25519', '/home/op/.ssh/id_ecdsa', '/home/op/.ssh/id_rsa'],
      knownHostsFiles: ['/home/op/.ssh/known_hosts'],
      hostKeyPolicy: 'accept-new',
      serverAliveIntervalMs: 0,
    });
  });

  test("the caller's host, port, user and key override the config for the target only", () => {
    const endpoint = resolve(`Host bastion\n  HostName 1.2.3.4\n  User jump\nHost app-1\n  HostName 10.0.1.5\n  ProxyJump bastion\n  IdentityFile /k/config`, 'app-1', {
      hostName: '10.9.9.9',
      port: 2200,
      user: 'ops',
      identityFile: '~/keys/app',
    });
    expect(endpoint).toMatchObject({ hostName: '10.9.9.9', port: 2200, user: 'ops', identityFiles: ['/home/op/keys/app', '/k/config'] });
    expect(endpoint.proxy).toMatchObject({ kind: 'jump', via: { alias: 'bastion', hostName: '1.2.3.4', user: 'jump', port: 22 } });
  });

  test('ProxyJump chains: the last hop is reached through the earlier ones; user@host:port is honoured', () => {
    const endpoint = resolve(`Host inner\n  HostName 10.1.0.1\n  ProxyJump outer\nHost outer\n  HostName 1.1.1.1\nHost app\n  ProxyJump alice@outer:2022,inner`, 'app');
    expect(endpoint.proxy.kind).toBe('jump');
    const inner = endpoint.proxy.kind === 'jump' ? endpoint.proxy.via : undefined;
    expect(inner).toMatchObject({ alias: 'inner', hostName: '10.1.0.1' });
    // inner's own ProxyJump is replaced by the chain's previous hop.
    expect(inner?.proxy).toMatchObject({ kind: 'jump', via: { alias: 'outer', user: 'alice', port: 2022, proxy: { kind: 'direct' } } });
  });

  test('ProxyJump none, and ProxyJump/ProxyCommand compete with the first one winning', () => {
    const text = `Host bastion\n  ProxyJump none\nHost cmd-*\n  ProxyCommand ssh -W %h:%p -l %r bastion %%\nHost *\n  ProxyJump bastion\n  ProxyCommand never-used`;
    expect(resolve(text, 'bastion').proxy).toEqual({ kind: 'direct' });
    expect(resolve(text, 'app').proxy).toMatchObject({ kind: 'jump', via: { alias: 'bastion' } });
    expect(resolve(`${text}\nHost cmd-1\n  HostName 10.0.0.7\n  User u`, 'cmd-1', { hostName: '10.0.0.8' }).proxy).toEqual({
      kind: 'command',
      template: 'ssh -W %h:%p -l %r bastion %%',
      command: 'ssh -W 10.0.0.8:22 -l u bastion %',
    });
  });

  test('a ProxyJump loop is a config error, not a hang', () => {
    expect(() => resolve(`Host a\n  ProxyJump b\nHost b\n  ProxyJump a`, 'a')).toThrow(/ProxyJump: more than 8 jumps/);
  });

  test('quoted paths, UserKnownHostsFile lists, tokens, HostKeyAlias, HashKnownHosts', () => {
    const endpoint = resolve(`Host x\n  HostName %h.example\n  UserKnownHostsFile "/a b/known_hosts" ~/.ssh/kh_%r\n  HostKeyAlias pinned\n  HashKnownHosts yes\n  IdentityFile "%d/id_%u"`, 'x');
    expect(endpoint).toMatchObject({ hostName: 'x.example', knownHostsFiles: ['/a b/known_hosts', '/home/op/.ssh/kh_op'], hostKeyName: 'pinned', hashKnownHosts: true, identityFiles: ['/home/op/id_op'] });
  });

  test('StrictHostKeyChecking: yes is kept; no/ask become accept-new (turning checks off takes the caller)', () => {
    expect(resolve(`Host *\n  StrictHostKeyChecking yes`, 'h').hostKeyPolicy).toBe('yes');
    expect(resolve(`Host *\n  StrictHostKeyChecking no`, 'h').hostKeyPolicy).toBe('accept-new');
    expect(resolve(`Host *\n  StrictHostKeyChecking ask`, 'h').hostKeyPolicy).toBe('accept-new');
  });

  test('the project known_hosts replaces every UserKnownHostsFile, on every hop', () => {
    const endpoint = resolveSshHost(parseSshConfig('f', `Host app\n  ProxyJump b\nHost *\n  UserKnownHostsFile /x`), 'app', {}, { ...context, knownHostsFile: '/inv/known_hosts' });
    expect(endpoint.knownHostsFiles).toEqual(['/inv/known_hosts']);
    expect(endpoint.proxy.kind === 'jump' && endpoint.proxy.via.knownHostsFiles).toEqual(['/inv/known_hosts']);
  });

  test('bad values are one config error naming file, line, host and field', () => {
    const text = `Host a\n  HostName x\n\nHost *\n  Port 99999`;
    let error: unknown;
    try {
      resolve(text, 'a');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ kind: 'config', host: 'a', message: 'a: /inv/ssh.config:5: host a, Port: not a port number: "99999"' });
    expect(() => resolve('', 'a', { port: 0 })).toThrow('a: host a, port: not a port number: 0');
    expect(() => resolve(`Host *\n  ConnectTimeout soon`, 'a')).toThrow(/:2: host a, ConnectTimeout: expected whole seconds/);
    expect(() => resolve(`Host *\n  ProxyCommand nc %x`, 'a')).toThrow(/ProxyCommand: unsupported token %x/);
  });
});
