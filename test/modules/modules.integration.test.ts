import { buildTinyDeb } from './tiny-deb';
import { LAB_HOST as HOST, useLabHost } from './lab-host';
import { makeContext } from './context';
import { getModule } from '../../src/modules';
import { gatherProbes } from '../../src/engine/run/probe-batch';
import { ProbeCache, ProbeCacheConnection } from '../../src/engine/run/probe-cache';
import { aptProbeCommand } from '../../src/modules/commands/apt';
import { fileProbeCommand } from '../../src/modules/commands/file-probe';
import { unitProbeCommand } from '../../src/modules/commands/systemd';
import { jointCommand, splitJoint, type JointProbe } from '../../src/modules/support/joint-probes';

/*
 * Every host module against a REAL booted Debian host (the lab's app-1, reached through the
 * bastion by the real transport). For each: check mode predicts a change and leaves the host as it
 * was (read back), converge changes it, a second run reports ok. One lab for the file.
 */
const host = useLabHost('mod', {
  vars: (lab) => ({ lb: { driver: 'haproxy', admin_address: lab.loadBalancer.adminAddress, backend: lab.loadBalancer.backend } }),
});
const { run, state, cycle } = host;

const PKG = 'rsyslog-gnutls';
const WEB_UNIT = '/etc/systemd/system/play-mod-web.service';

describe(`modules on a real Debian host (${HOST} through the bastion)`, () => {
  test('setup gathers the facts in one round trip', async () => {
    const { facts } = await run('setup', {});
    expect(facts).toMatchObject({ hostname: HOST, distribution: 'Debian', distribution_release: 'bookworm', os_family: 'Debian', service_mgr: 'systemd', pkg_mgr: 'apt' });
    expect((facts as { all_ipv4_addresses: string[] }).all_ipv4_addresses.length).toBeGreaterThan(0);
  });

  test('apt: update_cache honours cache_valid_time; install and remove a package from the lab repo', async () => {
    // A host fresh from an image: no lists at all, but a lists directory touched moments ago.
    await host.conn.run('rm -rf /var/lib/apt/lists/* /var/lib/apt/periodic/update-success-stamp && touch /var/lib/apt/lists', { become: true });
    expect((await run('apt', { update_cache: true, cache_valid_time: 3600 })).changed).toBe(true);
    expect((await run('apt', { update_cache: true, cache_valid_time: 3600 })).changed).toBe(false);
    const probe = `dpkg-query -W -f '\${db:Status-Abbrev}' ${PKG} 2>/dev/null || echo none`;
    await cycle('apt', { name: PKG, state: 'present' }, probe);
    await cycle('apt', { name: PKG, state: 'absent' }, probe);
    await expect(run('apt', { name: 'no-such-package-here' })).rejects.toThrow(/No package matching 'no-such-package-here'/);
    await host.conn.putFile('/tmp/play-mod-test_1.0_all.deb', buildTinyDeb('play-mod-test', '1.0'));
    await cycle('apt', { deb: '/tmp/play-mod-test_1.0_all.deb' }, "dpkg-query -W -f '${db:Status-Abbrev}${Version}' play-mod-test 2>/dev/null || echo none");
  }, 300_000);

  test('group, user, authorized_key', async () => {
    await cycle('group', { name: 'playmod', gid: 2345 }, 'getent group playmod');
    await cycle('user', { name: 'playmod', uid: 2345, group: 'playmod', groups: ['adm'], shell: '/bin/bash' }, 'getent passwd playmod; id -Gn playmod');
    await cycle('user', { name: 'playmod', comment: 'play module test' }, 'getent passwd playmod');
    // useradd leaves the password locked ('!'): asking for a lock is already satisfied.
    expect((await run('user', { name: 'playmod', password_lock: true })).changed).toBe(false);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlPlayModTestKeyOnlyForTheLab0000000000000 playmod@test';
    await cycle('authorized_key', { user: 'playmod', key }, "stat -c '%U %a' /home/playmod/.ssh /home/playmod/.ssh/authorized_keys; cat /home/playmod/.ssh/authorized_keys");
  });

  test('copy, template, file, lineinfile, blockinfile as root under /etc', async () => {
    await cycle('file', { path: '/etc/play-mod', state: 'directory', mode: '0750', group: 'playmod' }, "stat -c '%a %U %G' /etc/play-mod");
    const conf = '/etc/play-mod/app.conf';
    const probe = `stat -c '%a %U %G' ${conf}; cat ${conf}`;
    await cycle('copy', { dest: conf, content: 'listen 80\n', mode: '0640', owner: 'root', group: 'playmod', validate: 'grep -q listen %s' }, probe);
    await expect(run('copy', { dest: conf, content: 'broken\n', validate: 'grep -q listen %s' })).rejects.toThrow();
    expect(await state(`cat ${conf}`)).toBe('0:listen 80\n');
    const diff = await run('copy', { dest: conf, content: 'listen 81\n' }, { check: true, diff: true });
    expect(diff.diff).toEqual([{ path: conf, before: 'listen 80\n', after: 'listen 81\n' }]);
    await cycle('template', { src: 'app.conf.hbs', dest: conf }, probe, { overrides: { renderTemplate: () => 'listen 8080\nworkers 2\n' } });
    await cycle('lineinfile', { path: conf, regexp: '^workers ', line: 'workers 4' }, probe);
    await cycle('blockinfile', { path: conf, block: 'location /health {\n  return 200;\n}' }, probe);
    await cycle('file', { path: '/etc/play-mod/current', state: 'link', src: conf }, 'readlink /etc/play-mod/current || echo none');
    await cycle('file', { path: '/etc/play-mod', state: 'absent' }, 'ls -d /etc/play-mod 2>&1 || true');
  });

  test('systemd/service: a unit converges started+enabled, then stopped', async () => {
    await run('file', { path: '/srv/play-mod', state: 'directory' });
    await run('copy', { dest: '/srv/play-mod/health', content: 'ok\n' });
    await cycle(
      'copy',
      {
        dest: WEB_UNIT,
        content: '[Unit]\nDescription=play module test web\n[Service]\nExecStart=/usr/bin/python3 -m http.server 80 --bind 0.0.0.0 --directory /srv/play-mod\n[Install]\nWantedBy=multi-user.target\n',
      },
      `cat ${WEB_UNIT} 2>/dev/null || echo none`,
    );
    const probe = 'systemctl is-active play-mod-web; systemctl is-enabled play-mod-web';
    await cycle('systemd', { name: 'play-mod-web', state: 'started', enabled: true, daemon_reload: true }, probe);
    await cycle('service', { name: 'play-mod-web', state: 'stopped' }, probe);
    await expect(run('systemd', { name: 'no-such-unit', state: 'started' })).rejects.toThrow(/Could not find the requested service no-such-unit/);
    await run('service', { name: 'play-mod-web', state: 'started' });
  });

  test('wait_for and uri from the host', async () => {
    expect(await run('wait_for', { port: 80, timeout: 20 })).toMatchObject({ changed: false });
    const closed = await run('wait_for', { port: 81, timeout: 1 });
    expect(closed.failed).toBe(true);
    expect(await run('uri', { url: 'http://127.0.0.1/health', return_content: true })).toMatchObject({ changed: false, status: 200, content: 'ok\n' });
    expect(await run('uri', { url: 'http://127.0.0.1/missing' })).toMatchObject({ failed: true, status: 404 });
  });

  test('lb_member drains and re-enables the host on the lab HAProxy', async () => {
    // HAProxy's health check is GET /health on port 80: the test web unit answers it.
    await expect(run('lb_member', { state: 'enabled', timeout: 60 })).resolves.toMatchObject({ lb: 'haproxy' });
    const drained = await run('lb_member', { state: 'drained', timeout: 60 });
    expect(drained.changed).toBe(true);
    expect((await run('lb_member', { state: 'drained' })).changed).toBe(false);
    expect((await run('lb_member', { state: 'enabled' }, { check: true })).changed).toBe(true);
    expect((await run('lb_member', { state: 'enabled', timeout: 60 })).changed).toBe(true);
    expect((await run('lb_member', { state: 'enabled' })).changed).toBe(false);
    const response = await fetch(new URL('/health', host.lab.loadBalancer.url), { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
  }, 180_000);

  test('command and shell: creates makes them idempotent; command quotes metacharacters', async () => {
    await cycle('shell', { cmd: 'echo made > /tmp/play-mod-made', creates: '/tmp/play-mod-made' }, 'cat /tmp/play-mod-made 2>/dev/null || echo none');
    expect((await run('command', { cmd: 'echo $HOSTNAME; id' })).stdout).toBe('$HOSTNAME; id');
    expect((await run('shell', { cmd: 'hostname; whoami' })).stdout).toBe(`${HOST}\nroot`);
  });

  test('stat', async () => {
    const { stat } = await run('stat', { path: '/etc/passwd' });
    expect(stat).toMatchObject({ exists: true, isreg: true, pw_name: 'root', mode: '0644' });
  });

  test('sysctl: net.* is set live and in the file; a read-only vm.* key fails clearly, or warns with ignoreerrors', async () => {
    const file = '/etc/sysctl.d/60-play-mod.conf';
    await cycle('sysctl', { name: 'net.ipv4.tcp_syncookies', value: 0, sysctl_file: file }, `cat /proc/sys/net/ipv4/tcp_syncookies; cat ${file} 2>/dev/null || true`);
    await expect(run('sysctl', { name: 'vm.swappiness', value: 11, sysctl_file: file })).rejects.toThrow(/cannot set vm.swappiness=11 on app-1.*read-only/);
    expect(await state(`grep -c swappiness ${file} || true`)).toBe('0:0\n');
    const warned = await run('sysctl', { name: 'vm.swappiness', value: 11, sysctl_file: file, ignoreerrors: true });
    expect(warned.warnings).toEqual([expect.stringMatching(/read-only/)]);
    expect(await state(`grep swappiness ${file}`)).toBe('0:vm.swappiness=11\n');
  });

  test('a converged host costs one round trip per module (sysctl two), and one for all of them batched (pool exec count)', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlPlayModTestKeyOnlyForTheLab0000000000000 playmod@test';
    const noop: [string, unknown, number][] = [
      ['setup', {}, 1],
      ['apt', { name: 'python3', state: 'present' }, 1],
      ['group', { name: 'playmod', gid: 2345 }, 1],
      ['user', { name: 'playmod', uid: 2345, shell: '/bin/bash' }, 1],
      ['copy', { dest: WEB_UNIT, content: (await state(`cat ${WEB_UNIT}`)).slice(2) }, 1],
      ['file', { path: '/srv/play-mod', state: 'directory' }, 1],
      ['lineinfile', { path: '/srv/play-mod/health', line: 'ok' }, 1],
      ['systemd', { name: 'play-mod-web', state: 'started', enabled: true }, 1],
      // the settings file and the live value apart, so that a batch reads a loop's file once
      ['sysctl', { name: 'net.ipv4.tcp_syncookies', value: 0, sysctl_file: '/etc/sysctl.d/60-play-mod.conf' }, 2],
      ['stat', { path: '/etc/passwd' }, 1],
      ['wait_for', { port: 80 }, 1],
      ['authorized_key', { user: 'playmod', key }, 1],
    ];
    const counts: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const [name, args, trips] of noop) {
      const before = host.pool.stats().execs;
      const result = await run(name, args);
      expect({ name, changed: result.changed }).toEqual({ name, changed: false });
      counts[name] = host.pool.stats().execs - before;
      expected[name] = trips;
    }
    expect(counts).toEqual(expected);

    // As the engine runs such a stretch: what the modules declare, gathered in ONE command, answers them all.
    const stretch = noop.filter(([name]) => getModule(name)?.probe !== undefined);
    const declared = stretch.map(([name, args]) => {
      const module = getModule(name);
      return { name, ops: module?.probe?.(module.args.parse(args), makeContext(host.conn, { become: true })) };
    });
    expect(declared.filter(({ ops }) => ops === undefined).map(({ name }) => name)).toEqual([]);
    const cache = new ProbeCache();
    const before = host.pool.stats().execs;
    await gatherProbes(host.conn, cache, declared.flatMap(({ ops }) => ops ?? []));
    const conn = new ProbeCacheConnection(host.conn, cache);
    const changed: string[] = [];
    for (const [name, args] of stretch) if ((await run(name, args, { conn })).changed) changed.push(name);
    expect({ changed, execs: host.pool.stats().execs - before, sentOutsideTheBatch: cache.counts.sent }).toEqual({ changed: [], execs: 1, sentOutsideTheBatch: 0 });
  });

  test('joint probes: one command answers each probe of a family exactly as its own command would', async () => {
    const own = async (command: string) => (await host.conn.run(command, { become: true })).stdout;
    const families: JointProbe[][] = [
      ['/etc/passwd', '/etc/shadow', '/etc/ssh', '/etc/localtime', '/etc/no-such-file', '/usr/bin/sudo'].flatMap((path) => [
        { family: 'file' as const, spec: { path, options: {} } },
        { family: 'file' as const, spec: { path, options: { follow: true, checksum: 'sha256' as const, content: path === '/etc/passwd' } } },
        { family: 'file' as const, spec: { path, options: { checksum: 'sha1' as const } } },
      ]),
      ['ssh', 'cron.service', 'no-such-unit', 'ssh'].map((unit) => ({ family: 'unit' as const, unit })),
      [['openssh-server'], ['rsyslog', 'no-such-package-here', 'sudo'], [], ['openssh-server']].map((packages) => ({ family: 'apt' as const, packages })),
    ];
    const ownCommand = (probe: JointProbe): string => {
      if (probe.family === 'file') return fileProbeCommand(probe.spec.path, probe.spec.options);
      if (probe.family === 'unit') return unitProbeCommand(probe.unit, false);
      return aptProbeCommand(probe.packages);
    };
    // The cache's age is read at the moment each command runs: the clock is the one thing that differs.
    const timeless = (stdout: string) => stdout.replace(/^now\t\d+$/m, 'now');
    for (const probes of families) {
      const joint = await host.conn.run(jointCommand(probes), { become: true });
      expect({ exitCode: joint.exitCode, stderr: joint.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const owns: string[] = [];
      for (const probe of probes) owns.push(timeless(await own(ownCommand(probe))));
      expect(splitJoint(probes, joint.stdout)?.map(timeless)).toEqual(owns);
    }
  });

  test('reboot waits for a new boot and reports the downtime', async () => {
    const bootBefore = await state('cat /proc/sys/kernel/random/boot_id');
    expect((await run('reboot', {}, { check: true })).changed).toBe(true);
    expect(await state('cat /proc/sys/kernel/random/boot_id')).toBe(bootBefore);
    const rebooted = await run('reboot', { reboot_timeout: 120 });
    expect(rebooted).toMatchObject({ changed: true, rebooted: true });
    await host.reconnect();
    expect(await state('cat /proc/sys/kernel/random/boot_id')).not.toBe(bootBefore);
    console.log(`reboot of ${HOST}: downtime ${rebooted.downtime_seconds}s`);
    // The unit enabled earlier came back with the host.
    expect(await state('systemctl is-active play-mod-web')).toBe('0:active\n');
  }, 180_000);
});
