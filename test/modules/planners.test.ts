import { parseUnitStatus, planUnit, unitCommand, unitProbeCommand } from '../../src/modules/commands/systemd';
import { parseGroupProbe, parseUserProbe, passwordInput, planGroup, planUser, type UserWanted } from '../../src/modules/commands/accounts';
import { aptGet, changesInSummary, isLockError, parseAptProbe, parsePackageSpec, planPackages } from '../../src/modules/commands/apt';
import { parseFacts } from '../../src/modules/commands/facts';
import { sameSysctlValue, procPath, writeLiveCommand } from '../../src/modules/commands/sysctl';
import { guardReason } from '../../src/modules/commands/exec';
import { fileMode } from '../../src/modules/support/mode';
import { planFile } from '../../src/modules/file';
import { getModule } from '../../src/modules';
import type { FileProbe } from '../../src/modules/commands/file-probe';

describe('systemd decisions', () => {
  const status = (ActiveState: string, UnitFileState: string, LoadState = 'loaded') => ({ ActiveState, UnitFileState, LoadState });

  it('parses systemctl show', () => {
    expect(parseUnitStatus('LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n')).toEqual(status('inactive', 'disabled'));
  });

  it('starts/enables only what is not already so', () => {
    expect(planUnit(status('inactive', 'disabled'), { state: 'started', enabled: true })).toEqual([['enable'], ['start']]);
    expect(planUnit(status('active', 'enabled'), { state: 'started', enabled: true })).toEqual([]);
    expect(planUnit(status('active', 'enabled'), { state: 'stopped', enabled: false })).toEqual([['disable'], ['stop']]);
    expect(planUnit(status('failed', 'enabled'), { state: 'stopped' })).toEqual([]);
  });

  it('restarted always acts; reloaded starts a stopped unit', () => {
    expect(planUnit(status('active', 'enabled'), { state: 'restarted' })).toEqual([['restart']]);
    expect(planUnit(status('inactive', 'enabled'), { state: 'reloaded' })).toEqual([['start']]);
    expect(planUnit(status('active', 'enabled'), { state: 'reloaded' })).toEqual([['reload']]);
  });

  it('masks and unmasks; static units need no enable', () => {
    expect(planUnit(status('inactive', 'enabled'), { masked: true })).toEqual([['mask']]);
    expect(planUnit(status('inactive', 'masked', 'masked'), { masked: false, enabled: true })).toEqual([['unmask'], ['enable']]);
    expect(planUnit(status('inactive', 'masked', 'masked'), { masked: true })).toEqual([]);
    expect(planUnit(status('active', 'static'), { enabled: true })).toEqual([]);
  });

  it('builds quoted systemctl commands and reloads before probing', () => {
    expect(unitCommand('my unit', [['enable'], ['start']])).toBe("systemctl enable -- 'my unit' && systemctl start -- 'my unit'");
    expect(unitProbeCommand('nginx', true)).toMatch(/^systemctl daemon-reload && systemctl show/);
  });
});

describe('user and group decisions', () => {
  const wanted: UserWanted = { name: 'deploy', state: 'present', update_password: 'always', append: false, system: false, create_home: true, remove: false };
  const probe = 'passwd\tdeploy:x:1001:1001:Deploy:/home/deploy:/bin/bash\npgroup\tdeploy\ngroups\tdeploy adm sudo\nshadow\t!\n';

  it('parses the probe: supplementary groups exclude the primary one', () => {
    expect(parseUserProbe(probe)).toEqual({
      uid: 1001, gid: 1001, comment: 'Deploy', home: '/home/deploy', shell: '/bin/bash', primaryGroup: 'deploy', groups: ['adm', 'sudo'], locked: true,
    });
    expect(parseUserProbe('absent\n')).toBeNull();
  });

  it('creates a missing user with useradd', () => {
    expect(planUser(null, { ...wanted, uid: 1500, groups: ['adm'], shell: '/bin/bash', system: true })).toEqual([
      ['useradd', '-u', '1500', '-G', 'adm', '-s', '/bin/bash', '-r', '-m', '--', 'deploy'],
    ]);
  });

  it('changes only what differs, appends groups when asked, and locks', () => {
    const current = parseUserProbe(probe);
    expect(planUser(current, { ...wanted, shell: '/bin/bash', groups: ['adm', 'sudo'] })).toEqual([]);
    expect(planUser(current, { ...wanted, groups: ['adm'] })).toEqual([['usermod', '-G', 'adm', '--', 'deploy']]);
    expect(planUser(current, { ...wanted, groups: ['adm', 'www-data'], append: true })).toEqual([['usermod', '-a', '-G', 'www-data', '--', 'deploy']]);
    expect(planUser(current, { ...wanted, password_lock: false, shell: '/bin/sh' })).toEqual([
      ['usermod', '-s', '/bin/sh', '--', 'deploy'],
      ['usermod', '-U', '--', 'deploy'],
    ]);
    expect(planUser(current, { ...wanted, state: 'absent', remove: true })).toEqual([['userdel', '-r', '--', 'deploy']]);
  });

  it('password: set with chpasswd -e (stdin) when the probe says it differs, on create, never for on_create later', () => {
    const hash = '$6$salt$hash';
    expect(planUser(null, { ...wanted, password: hash, password_lock: true })).toEqual([['useradd', '-m', '--', 'deploy'], ['chpasswd', '-e']]);
    expect(planUser(parseUserProbe(`${probe}password\tsame\n`), { ...wanted, password: hash, password_lock: false })).toEqual([]);
    expect(planUser(parseUserProbe(`${probe}password\tdiffers\n`), { ...wanted, password: hash })).toEqual([['chpasswd', '-e']]);
    expect(planUser(parseUserProbe(`${probe}password\tdiffers\n`), { ...wanted, password: hash, update_password: 'on_create', password_lock: false })).toEqual([
      ['usermod', '-U', '--', 'deploy'],
    ]);
    expect(parseUserProbe(`${probe}password\tunreadable\n`)?.passwordMatches).toBeUndefined();
    expect(passwordInput({ name: 'deploy', password: `!${hash}`, password_lock: false })).toBe(`deploy:${hash}\n`);
    expect(passwordInput({ name: 'deploy', password: hash, password_lock: true })).toBe(`deploy:!${hash}\n`);
    expect(passwordInput({ name: 'deploy', password: `!${hash}` })).toBe(`deploy:!${hash}\n`);
  });

  it('groups: add, change gid, delete', () => {
    const current = parseGroupProbe('web:x:1200:alice,bob\n');
    expect(current).toEqual({ gid: 1200, members: ['alice', 'bob'] });
    expect(planGroup(null, { name: 'web', state: 'present', gid: 1200, system: true })).toEqual([['groupadd', '-g', '1200', '-r', '--', 'web']]);
    expect(planGroup(current, { name: 'web', state: 'present', gid: 1200, system: false })).toEqual([]);
    expect(planGroup(current, { name: 'web', state: 'present', gid: 1300, system: false })).toEqual([['groupmod', '-g', '1300', '--', 'web']]);
    expect(planGroup(parseGroupProbe(''), { name: 'web', state: 'absent', system: false })).toEqual([]);
  });
});

describe('apt decisions', () => {
  const policy = [
    'stamp\t1000', 'now\t1600',
    'nginx:', '  Installed: (none)', '  Candidate: 1.22.1-9', '  Version table:',
    'curl:', '  Installed: 7.88.1-10', '  Candidate: 7.88.1-10+deb12u5',
    'vim:', '  Installed: 2:9.0.1378-2', '  Candidate: 2:9.0.1378-2',
  ].join('\n');

  it('parses cache age and versions (epochs included)', () => {
    const probe = parseAptProbe(policy);
    expect(probe.cacheAge).toBe(600);
    expect(probe.packages.get('vim')).toEqual({ installed: '2:9.0.1378-2', candidate: '2:9.0.1378-2' });
    expect(probe.packages.get('nginx')).toEqual({ installed: undefined, candidate: '1.22.1-9' });
  });

  it('plans present, latest, absent, pinned and unknown packages', () => {
    const probe = parseAptProbe(policy);
    const specs = ['nginx', 'curl', 'vim'].map(parsePackageSpec);
    expect(planPackages(specs, 'present', probe)).toEqual({ install: ['nginx'], remove: [], unknown: [] });
    expect(planPackages(specs, 'latest', probe)).toEqual({ install: ['nginx', 'curl'], remove: [], unknown: [] });
    expect(planPackages(specs, 'absent', probe)).toEqual({ install: [], remove: ['curl', 'vim'], unknown: [] });
    expect(planPackages([parsePackageSpec('curl=7.88.1-10')], 'present', probe).install).toEqual([]);
    expect(planPackages([parsePackageSpec('nosuchpkg')], 'present', probe).unknown).toEqual(['nosuchpkg']);
  });

  it('reads apt-get summaries and lock errors', () => {
    expect(changesInSummary('2 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.')).toBe(3);
    expect(changesInSummary('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.')).toBe(0);
    expect(isLockError('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 123')).toBe(true);
    expect(isLockError('E: Unable to locate package x')).toBe(false);
  });

  it('never prompts and waits for the dpkg lock', () => {
    expect(aptGet(120, 'install', 'nginx')).toMatch(/^env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 .*install nginx$/);
  });
});

describe('facts parser', () => {
  it('turns the one-round-trip output into Ansible-named facts', () => {
    const out = [
      'uname\tLinux app-1 6.1.0-18-amd64 x86_64', 'fqdn\tapp-1.lab', 'os\tPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'os\tNAME="Debian GNU/Linux"', 'os\tVERSION_CODENAME=bookworm',
      'os\tID=debian', 'os\tVERSION_ID="12"', 'debian_version\t12.8', 'nproc\t2', 'mem\tMemTotal:        2048000 kB',
      'service_mgr\tsystemd', 'pkg\tapt-get', 'python\t/usr/bin/python3', 'pyver\t3\t11\t2\tfinal\t0',
      'addr\t2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0\\       valid_lft forever preferred_lft forever',
      'addr\t3: eth1    inet 10.9.0.3/24 brd 10.9.0.255 scope global eth1',
      'route\t8.8.8.8 via 10.9.0.1 dev eth1 src 10.9.0.3 uid 0',
    ].join('\n');
    expect(parseFacts(out)).toMatchObject({
      hostname: 'app-1', nodename: 'app-1', fqdn: 'app-1.lab', domain: 'lab', os_family: 'Debian', distribution: 'Debian', distribution_release: 'bookworm',
      distribution_version: '12', distribution_major_version: '12', distribution_minor_version: '8', system: 'Linux', architecture: 'x86_64',
      kernel: '6.1.0-18-amd64', all_ipv4_addresses: ['10.1.2.3', '10.9.0.3'], processor_nproc: 2, memtotal_mb: 2000, service_mgr: 'systemd', pkg_mgr: 'apt',
      python: { executable: '/usr/bin/python3', version: { major: 3, minor: 11, micro: 2, releaselevel: 'final', serial: 0 } }, python_version: '3.11.2',
    });
    expect(parseFacts(out).default_ipv4).toMatchObject({ interface: 'eth1', address: '10.9.0.3', gateway: '10.9.0.1', netmask: '255.255.255.0' });
  });
});

describe('small decisions', () => {
  it('sysctl values compare across tabs/spaces; keys map to /proc/sys', () => {
    expect(sameSysctlValue('4096\t87380\t6291456', '4096 87380 6291456')).toBe(true);
    expect(sameSysctlValue('1', '0')).toBe(false);
    expect(procPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(writeLiveCommand('net.ipv4.ip_forward', '1')).toBe("printf '%s\\n' 1 > /proc/sys/net/ipv4/ip_forward");
  });

  it('creates/removes short-circuit', () => {
    expect(guardReason('creates\n', '/done', undefined)).toMatch(/since \/done exists/);
    expect(guardReason('', '/done', undefined)).toBeUndefined();
    expect(guardReason('', undefined, '/tmp/x')).toMatch(/does not exist/);
    expect(guardReason('removes\n', undefined, '/tmp/x')).toBeUndefined();
  });

  it('modes are octal whatever YAML made of them', () => {
    expect(fileMode.parse('0644')).toBe('0644');
    expect(fileMode.parse(644)).toBe('0644');
    expect(fileMode.parse('2775')).toBe('2775');
    expect(fileMode.safeParse(888).success).toBe(false);
    expect(fileMode.parse('u+x')).toBe('u+x');
    expect(fileMode.parse('u=rw,g=r,o=')).toBe('u=rw,g=r,o=');
    for (const bad of ['u+z', 'x=r', 'rw', 'u+r,', '', 'u=rw;rm', '0o9']) {
      expect(fileMode.safeParse(bad).error?.issues[0].message).toContain(JSON.stringify(bad));
    }
  });

  it('file: plans only the steps needed', () => {
    const args = (raw: object) => getModule('file')?.args.parse(raw) as Parameters<typeof planFile>[0];
    const dir = { exists: true, type: 'directory' as const, owner: 'root', group: 'root', uid: 0, gid: 0, mode: '0755' };
    expect(planFile(args({ path: '/d', state: 'directory', mode: '0755' }), dir, false)).toEqual([]);
    expect(planFile(args({ path: '/d', state: 'directory', mode: '0700' }), dir, false)).toEqual(['chmod -- 0700 /d']);
    expect(planFile(args({ path: '/d', state: 'directory', mode: '0755', recurse: true }), dir, true)).toEqual(['chmod -R -- 0755 /d']);
    expect(planFile(args({ path: '/d', state: 'absent' }), { exists: false }, false)).toEqual([]);
    expect(planFile(args({ path: '/l', state: 'link', src: '/t' }), { exists: true, type: 'link', linkTarget: '/t' }, false)).toEqual([]);
    expect(planFile(args({ path: '/l', state: 'link', src: '/u' }), { exists: true, type: 'link', linkTarget: '/t' }, false)).toEqual(['ln -sfn -- /u /l']);
    expect(() => planFile(args({ path: '/d', state: 'link', src: '/u' }), dir, false)).toThrow(/directory/);
    expect(() => planFile(args({ path: '/f', state: 'file' }), { exists: false }, false)).toThrow(/absent/);
  });
});

describe('file state: hard decisions', () => {
  const args = (raw: object) => getModule('file')?.args.parse(raw) as Parameters<typeof planFile>[0];
  const source: FileProbe = { exists: true, type: 'file', inode: '2049:11', mode: '0644', owner: 'root', uid: 0 };
  const other: FileProbe = { exists: true, type: 'file', inode: '2049:12', mode: '0644' };

  it('links when absent, keeps the same inode, refuses without src', () => {
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s' }), { exists: false }, false, source)).toEqual(['ln -fT -- /s /h']);
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s' }), { ...source }, false, source)).toEqual([]);
    expect(getModule('file')?.args.safeParse({ path: '/h', state: 'hard' }).error?.issues[0].message).toMatch(/state: hard need src/);
  });

  it('replaces another file only with force; a symbolic link gives way; a directory never', () => {
    expect(() => planFile(args({ path: '/h', state: 'hard', src: '/s' }), other, false, source)).toThrow(/different file.*force: true/);
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s', force: true }), other, false, source)).toEqual(['ln -fT -- /s /h']);
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s' }), { exists: true, type: 'link', linkTarget: '/s', inode: '2049:13' }, false, source)).toEqual([
      'ln -fT -- /s /h',
    ]);
    expect(() => planFile(args({ path: '/h', state: 'hard', src: '/s', force: true }), { exists: true, type: 'directory', inode: '2049:14' }, false, source)).toThrow(
      /directory/,
    );
  });

  it('needs an existing, non-directory src; attributes are the shared inode', () => {
    expect(() => planFile(args({ path: '/h', state: 'hard', src: '/s' }), { exists: false }, false, { exists: false })).toThrow(/src \/s does not exist/);
    expect(() => planFile(args({ path: '/h', state: 'hard', src: '/d' }), { exists: false }, false, { exists: true, type: 'directory' })).toThrow(/directory/);
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s', mode: 'go-r' }), { exists: false }, false, source)).toEqual([
      'ln -fT -- /s /h',
      'chmod -- 0600 /h',
    ]);
    expect(planFile(args({ path: '/h', state: 'hard', src: '/s', mode: 'a+r' }), { ...source }, false, source)).toEqual([]);
  });
});
