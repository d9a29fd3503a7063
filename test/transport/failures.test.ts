import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnectionPool, TransportError, type ConnectionPoolOptions } from '../../src/transport';
import { parseKnownHosts } from '../../src/transport/known-hosts';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/** What goes wrong, goes wrong for the right host, with the right kind and hop, and nothing else is hurt. */

let lab: SshdLab;
let wrongKey: string;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 5 });
  wrongKey = `${lab.dir}/not_authorized`;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
}, 60000);

afterAll(async () => {
  await lab?.teardown();
});

let knownHostsSeq = 0;
function writeConfig(extra = '', policy = 'accept-new'): { config: string; knownHosts: string } {
  knownHostsSeq += 1;
  const knownHosts = `${lab.dir}/known_hosts.failures.${knownHostsSeq}`;
  const config = lab.writeFile(
    `ssh_config.failures.${knownHostsSeq}`,
    [
      `Host bastion\n  HostName ${lab.bastion.address}\n  IdentityFile ${lab.clientKey}`,
      `Host deadbastion\n  HostName ${lab.bastion.address}\n  Port ${lab.deadBastionPort}\n  IdentityFile ${lab.clientKey}`,
      lab.hostBlocks(),
      `Host unreachable\n  HostName ${lab.unreachableAddress}`,
      `Host refused\n  HostName ${lab.refusedAddress}`,
      // Resolved by the bastion, inside its namespace, which has no route to any name server: fails fast, nothing leaves.
      `Host dnsfail\n  HostName no-such-host.invalid`,
      `Host badauth\n  HostName ${lab.targets[0].address}\n  IdentityFile ${wrongKey}`,
      `Host behind-dead\n  HostName ${lab.targets[1].address}\n  ProxyJump deadbastion`,
      extra,
      `Host t* unreachable refused behind-dead dnsfail\n  IdentityFile ${lab.clientKey}`,
      `Host * !bastion !deadbastion\n  ProxyJump bastion`,
      `Host *\n  User root\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking ${policy}\n  ConnectTimeout 3`,
    ].join('\n\n'),
  );
  return { config, knownHosts };
}

function pool(config: string, options: ConnectionPoolOptions = {}) {
  return createConnectionPool({ sshConfigFile: config, agentSocket: null, connectAttempts: 2, retryDelayMs: 50, ...options });
}

async function outcome(p: ReturnType<typeof pool>, name: string): Promise<string> {
  try {
    const conn = await p.connect({ name });
    return (await conn.run('echo ok')).stdout.trim();
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    return `${err.host}/${err.hop}/${err.kind}`;
  }
}

test('unreachable target, refused target, refused auth and a dead bastion each fail for their own host; the rest complete', async () => {
  const { config } = writeConfig();
  const p = pool(config);
  try {
    const names = ['t01', 't02', 'unreachable', 'refused', 'badauth', 'behind-dead', 'dnsfail', 't03', 't04', 't05'];
    const results = await Promise.all(names.map((name) => outcome(p, name)));
    expect(Object.fromEntries(names.map((name, index) => [name, results[index]]))).toEqual({
      t01: 'ok',
      t02: 'ok',
      unreachable: 'unreachable/target/refused',
      refused: 'refused/target/refused',
      badauth: 'badauth/target/auth',
      'behind-dead': 'behind-dead/bastion/refused',
      dnsfail: 'dnsfail/target/dns',
      t03: 'ok',
      t04: 'ok',
      t05: 'ok',
    });
    // refused and unreachable are worth retrying (a booting host); auth is not.
    expect(p.stats().retries).toBeGreaterThanOrEqual(3);
  } finally {
    await p.closeAll();
  }
});

test('error messages name the host, the hop and what to do', async () => {
  const { config } = writeConfig();
  const p = pool(config, { connectAttempts: 1 });
  try {
    await expect(p.connect({ name: 'behind-dead' })).rejects.toThrow(/^behind-dead: bastion deadbastion \(root@10\.231\.\d+\.2:2299\): connection refused/);
    await expect(p.connect({ name: 'badauth' })).rejects.toThrow(/^badauth: target badauth .*authentication refused/);
    await expect(p.connect({ name: 'refused' })).rejects.toThrow(/^refused: bastion .* could not reach target refused .*Connection refused/);
  } finally {
    await p.closeAll();
  }
});

test('a changed host key is refused with a fix-it message, known_hosts is left alone and nothing runs', async () => {
  const { config, knownHosts } = writeConfig();
  const impostor = `${lab.dir}/impostor`;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', impostor]);
  const recorded = `${lab.targets[1].address} ${readFileSync(`${impostor}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
  writeFileSync(knownHosts, recorded);
  const acceptedBefore = (lab.targets[1].log().match(/Accepted publickey/g) ?? []).length;
  const p = pool(config);
  try {
    const error = await p.connect({ name: 't02' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ host: 't02', hop: 'target', kind: 'hostkey-changed', unreachable: true });
    expect((error as Error).message).toContain('HAS CHANGED');
    expect((error as Error).message).toContain(`ssh-keygen -R '${lab.targets[1].address}' -f ${knownHosts}`);
    // The other hosts still work in the same run.
    expect(await outcome(p, 't03')).toBe('ok');
  } finally {
    await p.closeAll();
  }
  expect((lab.targets[1].log().match(/Accepted publickey/g) ?? []).length).toBe(acceptedBefore);
  expect(readFileSync(knownHosts, 'utf8').startsWith(recorded)).toBe(true);
  expect(parseKnownHosts(readFileSync(knownHosts, 'utf8'), knownHosts).filter((entry) => entry.hosts === lab.targets[1].address)).toHaveLength(1);
});

test('StrictHostKeyChecking yes refuses an unknown host; the caller can only loosen it explicitly', async () => {
  const { config, knownHosts } = writeConfig('', 'yes');
  const strict = pool(config);
  try {
    await expect(strict.connect({ name: 'bastion' })).rejects.toMatchObject({ kind: 'hostkey-unknown', hop: 'target' });
  } finally {
    await strict.closeAll();
  }
  const loose = pool(config, { strictHostKeyChecking: 'no' });
  try {
    expect(await outcome(loose, 't01')).toBe('ok');
  } finally {
    await loose.closeAll();
  }
  // `no` trusts without recording.
  expect(() => readFileSync(knownHosts)).toThrow(/ENOENT/);
});

test('accept-new records each host once even when many first connections race', async () => {
  const { config, knownHosts } = writeConfig();
  // Three pools at once: each presents every host key concurrently, as three parallel runs in one process would.
  const pools = [pool(config), pool(config), pool(config)];
  try {
    const results = await Promise.all(pools.flatMap((p) => lab.targets.map((target) => outcome(p, target.name))));
    expect(results.every((result) => result === 'ok')).toBe(true);
  } finally {
    await Promise.all(pools.map((p) => p.closeAll()));
  }
  const entries = parseKnownHosts(readFileSync(knownHosts, 'utf8'), knownHosts);
  const expected = [lab.bastion.address, ...lab.targets.map((target) => target.address)].sort();
  expect(entries.map((entry) => entry.hosts).sort()).toEqual(expected);
  // Each line is the key the host really has.
  for (const target of lab.targets) {
    const entry = entries.find((candidate) => candidate.hosts === target.address);
    expect(`${entry?.keyType} ${entry?.key.toString('base64')}`).toBe(target.hostKeyLine);
  }
});

test('a ProxyCommand that dies gives an unreachable error with its stderr', async () => {
  const { config } = writeConfig(`Host broken\n  HostName ${lab.targets[0].address}\n  ProxyCommand sh -c 'echo "no route to the moon" >&2; exit 3'\n  IdentityFile ${lab.clientKey}`);
  const p = pool(config, { connectAttempts: 1 });
  try {
    const error = await p.connect({ name: 'broken' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ host: 'broken', hop: 'proxycommand', kind: 'proxycommand', unreachable: true });
    expect((error as Error).message).toMatch(/exited with status 3: no route to the moon/);
  } finally {
    await p.closeAll();
  }
});

test('a host name with a comma is refused before its key could be recorded as a known_hosts pattern', async () => {
  // A ProxyCommand that does not use %h reaches the target whatever the host name is: only the name's check stands between it and known_hosts.
  const proxy = `ssh -i ${lab.clientKey} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${lab.dir}/known_hosts.comma-proxy -o StrictHostKeyChecking=accept-new -W ${lab.targets[2].address}:22 root@${lab.bastion.address}`;
  const { config, knownHosts } = writeConfig(`Host comma\n  ProxyCommand ${proxy}\n  IdentityFile ${lab.clientKey}`);
  const p = pool(config, { connectAttempts: 1 });
  let error: unknown;
  try {
    error = await p.connect({ name: 'comma', hostName: 'web-1.internal,*' }).catch((err: unknown) => err);
  } finally {
    await p.closeAll();
  }
  const entries = existsSync(knownHosts) ? parseKnownHosts(readFileSync(knownHosts, 'utf8'), knownHosts) : [];
  expect(entries.map((entry) => entry.hosts).filter((hosts) => hosts.includes('*') || hosts.includes('web-1'))).toEqual([]);
  expect(error).toMatchObject({ host: 'comma', kind: 'config', message: expect.stringContaining('invalid host name "web-1.internal,*"') });
});

test('a ProxyCommand that ends before the SSH banner is retried with backoff, and reported with its stderr once the attempts run out', async () => {
  const counter = `${lab.dir}/flaky-proxy.count`;
  // The first two runs end at once, as `ssh -W` does when the bastion's MaxStartups drops it (or, under load, with status 0); then it proxies for real.
  const script = lab.writeFile(
    'flaky-proxy',
    [
      '#!/bin/sh',
      `n=$(cat ${counter} 2>/dev/null || echo 0)`,
      `echo $((n + 1)) > ${counter}`,
      '[ "$n" -eq 0 ] && { echo "kex_exchange_identification: Connection closed by remote host" >&2; exit 255; }',
      '[ "$n" -eq 1 ] && exit 0',
      '[ "$1" = never ] && { echo "kex_exchange_identification: Connection closed by remote host" >&2; exit 255; }',
      `exec ssh -i ${lab.clientKey} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${lab.dir}/known_hosts.flaky-proxy -o StrictHostKeyChecking=accept-new -W "$2:22" root@${lab.bastion.address}`,
    ].join('\n') + '\n',
    0o755,
  );
  const { config } = writeConfig(`Host flaky\n  HostName ${lab.targets[3].address}\n  ProxyCommand ${script} %n %h\n  IdentityFile ${lab.clientKey}\nHost never\n  HostName ${lab.targets[3].address}\n  ProxyCommand ${script} %n %h\n  IdentityFile ${lab.clientKey}`);
  const p = pool(config, { connectAttempts: 3 });
  try {
    expect(await outcome(p, 'flaky')).toBe('ok');
    expect(readFileSync(counter, 'utf8').trim()).toBe('3');
    expect(p.stats().retries).toBe(2);

    writeFileSync(counter, '2');
    const error = await p.connect({ name: 'never' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ host: 'never', hop: 'proxycommand', kind: 'proxycommand', unreachable: true });
    expect((error as Error).message).toMatch(/^never: ProxyCommand for target never \(root@[\d.]+:22\) exited with status 255: kex_exchange_identification: Connection closed by remote host \(3 attempts\)$/);
    expect(readFileSync(counter, 'utf8').trim()).toBe('5');
  } finally {
    await p.closeAll();
  }
});

test('a handshake that times out through a ProxyCommand is reported as the timeout, not as the proxy exit that closing it caused', async () => {
  // Never answers, and exits as soon as its input closes, as `ssh -W` does when the SSH layer gives up on it.
  const { config } = writeConfig(`Host silent\n  ProxyCommand sh -c 'cat >/dev/null'\n  ConnectTimeout 1\n  IdentityFile ${lab.clientKey}`);
  const p = pool(config, { connectAttempts: 1 });
  try {
    const error = await p.connect({ name: 'silent' }).catch((err: unknown) => err);
    expect(error).toMatchObject({ host: 'silent', hop: 'target', kind: 'timeout', message: expect.stringContaining('timed out during the SSH handshake') });
  } finally {
    await p.closeAll();
  }
});
