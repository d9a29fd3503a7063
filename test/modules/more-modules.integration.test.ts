import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModule } from '../../src/modules';
import { LAB_HOST as HOST, useLabHost } from './lab-host';

/*
 * More modules against a REAL booted Debian host (the lab's app-1, through the bastion), as root
 * by become: each cycled check → converge → again where it changes the host (check mode predicts
 * a change and leaves the host as it was, read back), and compared with what ansible-core 2.14
 * says on the same host where it is a question of values (facts, find). One lab for the file.
 */
const host = useLabHost('modmore');
const { run, state, cycle } = host;

describe(`apt_repository on a real Debian host (${HOST})`, () => {
  // A flat repository of the host's own (empty Packages), so apt-get update works with no network.
  const REPO = 'deb [trusted=yes] file:/srv/play-repo ./';
  const FILE = '/etc/apt/sources.list.d/file_srv_play_repo.list';
  const SOURCES = `ls /etc/apt/sources.list.d; cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null; ls /var/lib/apt/lists | grep play-repo`;

  beforeAll(async () => {
    expect(await state('mkdir -p /srv/play-repo && : > /srv/play-repo/Packages')).toBe('0:');
  });

  it('adds the repo in the file Ansible names, updates the cache, then removes it', async () => {
    const added = await cycle('apt_repository', { repo: REPO }, SOURCES, { diff: true });
    expect(added).toMatchObject({ repo: REPO, state: 'present', diff: [{ path: FILE, before: '', after: `${REPO}\n` }] });
    expect(await state(`stat -c %a ${FILE}; cat ${FILE}; ls /var/lib/apt/lists | grep -c play-repo`)).toBe(`0:644\n${REPO}\n1\n`);
    await cycle('apt_repository', { repo: REPO, state: 'absent', update_cache: false }, SOURCES, { diff: true });
    expect(await state(`test -e ${FILE}`)).toBe('1:');
  }, 120_000);

  it('honours filename and mode, with the update-cache alias spelling', async () => {
    await cycle('apt_repository', { repo: REPO, filename: 'play-named', mode: '0600', update_cache: false }, `stat -c %a /etc/apt/sources.list.d/play-named.list`, { diff: true });
    expect(await state('cat /etc/apt/sources.list.d/play-named.list')).toBe(`0:${REPO}\n`);
    expect(getModule('apt_repository')?.aliases).toEqual({ 'update-cache': 'update_cache' });
    await run('apt_repository', { repo: REPO, state: 'absent', update_cache: false });
  }, 120_000);

  it('puts the sources back when apt cannot read the new repo, and refuses PPAs', async () => {
    const before = await state(SOURCES);
    await expect(run('apt_repository', { repo: 'deb [trusted=yes] file:/srv/play-missing ./', update_cache_retries: 1 })).rejects.toThrow(
      /Failed to update apt cache \(the sources files are back as they were\).*play-missing/s,
    );
    expect(await state(SOURCES)).toBe(before);
    await expect(run('apt_repository', { repo: 'ppa:nginx/stable' })).rejects.toThrow(/PPAs are Ubuntu's.*app-1 runs Debian/);
  }, 120_000);
});

describe(`timezone on a real Debian host (${HOST})`, () => {
  const ZONE = 'readlink /etc/localtime; timedatectl show -p Timezone --value';

  it('sets the zone through timedatectl and reports the diff Ansible gives', async () => {
    const first = await cycle('timezone', { name: 'Europe/Paris' }, ZONE, { diff: true });
    expect(first.diff).toEqual([{ path: 'timezone', before: '{\n    "name": "Etc/UTC"\n}\n', after: '{\n    "name": "Europe/Paris"\n}\n' }]);
    expect(await state(ZONE)).toBe('0:../usr/share/zoneinfo/Europe/Paris\nEurope/Paris\n');
    await cycle('community.general.timezone', { name: 'Etc/UTC' }, ZONE, { diff: true });
  }, 120_000);

  it('refuses a zone the host does not have', async () => {
    await expect(run('timezone', { name: 'Mars/Olympus_Mons' })).rejects.toThrow(/given timezone "Mars\/Olympus_Mons" is not available.*app-1/);
  });
});

describe(`mount on a real Debian host (${HOST})`, () => {
  const FSTAB = 'cat /etc/fstab';
  const MOUNTED = `cat /etc/fstab; awk '$5 ~ "^/mnt/play" {print $5, $(NF-2), $(NF-1)}' /proc/self/mountinfo; ls -d /mnt/play/t 2>&1`;

  it('manages the swap role fstab entry (present, then absent), matched by src', async () => {
    expect(getModule('mount')?.aliases).toEqual({ name: 'path' });
    await cycle('mount', { path: 'none', src: '/swapfile', fstype: 'swap', opts: 'sw', state: 'present' }, FSTAB, { diff: true });
    expect(await state(`grep -c . /etc/fstab; tail -1 /etc/fstab`)).toBe('0:2\n/swapfile none swap sw 0 0\n');
    await cycle('mount', { path: 'none', src: '/swapfile2', fstype: 'swap', opts: 'sw', state: 'present' }, FSTAB, { diff: true });
    await cycle('ansible.posix.mount', { path: 'none', src: '/swapfile', state: 'absent' }, FSTAB, { diff: true });
    expect(await state(`grep swap /etc/fstab`)).toBe('0:/swapfile2 none swap sw 0 0\n');
    await run('mount', { path: 'none', src: '/swapfile2', state: 'absent' });
  }, 120_000);

  it('mounts a tmpfs (creating the mount point), remounts on changed options, unmounts, removes', async () => {
    const tmpfs = { path: '/mnt/play/t', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=4m', state: 'mounted' };
    await cycle('mount', tmpfs, MOUNTED, { diff: true });
    expect(await state(MOUNTED)).toMatch(/tmpfs \/mnt\/play\/t tmpfs size=4m 0 0\n\/mnt\/play\/t tmpfs tmpfs\n\/mnt\/play\/t\n$/);
    await cycle('mount', { ...tmpfs, opts: 'size=8m' }, `${MOUNTED}; df -k /mnt/play/t | tail -1`, { diff: true });
    expect(await state("df -k --output=size /mnt/play/t | tail -1 | tr -d ' '")).toBe('0:8192\n');
    await cycle('mount', { path: '/mnt/play/t', state: 'unmounted' }, MOUNTED, { diff: true });
    expect(await state(`grep -c /mnt/play/t /etc/fstab`)).toBe('0:1\n');
    await cycle('mount', { path: '/mnt/play/t', state: 'absent' }, MOUNTED, { diff: true });
    expect(await state('grep -c /mnt/play /etc/fstab; ls /mnt/play')).toBe('0:0\n');
  }, 120_000);

  it('a mount that fails leaves fstab and the directories as they were', async () => {
    const before = await state('cat /etc/fstab; ls -R /mnt/play');
    await expect(run('mount', { path: '/mnt/play/bad/x', src: '/dev/play-nonexistent', fstype: 'ext4', state: 'mounted' })).rejects.toThrow(
      /Error mounting \/mnt\/play\/bad\/x: .*play-nonexistent/,
    );
    expect(await state('cat /etc/fstab; ls -R /mnt/play')).toBe(before);
  }, 60_000);
});

describe(`openssh_keypair on a real Debian host (${HOST})`, () => {
  const KEY = '/etc/ssh/ssh_host_play_test_rsa_key';
  const KEY_STATE = `stat -c '%n %a %U' ${KEY} ${KEY}.pub; ssh-keygen -l -f ${KEY}; cat ${KEY}.pub`;

  test('a host key as ssh_hardening asks for it, then a bigger one, a comment, and removed', async () => {
    // the arguments of dev-sec ssh_hardening's crypto_hostkeys.yml
    const hardening = { state: 'present', type: 'rsa', size: 2048, path: KEY, force: false, regenerate: 'partial_idempotence' };
    const made = await cycle('community.crypto.openssh_keypair', hardening, KEY_STATE);
    expect(made).toMatchObject({ type: 'rsa', size: 2048, filename: KEY, comment: '' });
    expect(await state(KEY_STATE)).toContain(`${KEY} 600 root\n${KEY}.pub 644 root\n2048 ${made.fingerprint} `);
    expect(await state(`cat ${KEY}.pub`)).toBe(`0:${made.public_key} \n`);

    const bigger = await cycle('openssh_keypair', { ...hardening, size: 3072 }, KEY_STATE);
    expect(bigger.fingerprint).not.toBe(made.fingerprint);
    const commented = await cycle('openssh_keypair', { ...hardening, size: 3072, comment: 'root@app-1' }, KEY_STATE);
    expect(commented).toMatchObject({ fingerprint: bigger.fingerprint, comment: 'root@app-1' });
    expect(await state(`cat ${KEY}.pub`)).toBe(`0:${bigger.public_key} root@app-1\n`);

    await cycle('openssh_keypair', { path: KEY, state: 'absent' }, `ls ${KEY}*`);
    expect(await state(`ls ${KEY}*`)).toMatch(/^2:/);
  });
});

describe(`pam_limits on a real Debian host (${HOST})`, () => {
  test('a line added to Debian limits.conf, then raised with use_max', async () => {
    const before = await state('cat /etc/security/limits.conf');
    const limit = { domain: '*', limit_type: 'soft', limit_item: 'nofile', value: 4096, comment: 'play test' };
    const added = await cycle('community.general.pam_limits', limit, 'cat /etc/security/limits.conf; stat -c %a /etc/security/limits.conf');
    expect(added.msg).toBe('*\tsoft\tnofile\t4096\t#play test\n');
    expect(await state('cat /etc/security/limits.conf')).toBe(`${before}*\tsoft\tnofile\t4096\t#play test\n`);
    const raised = await cycle('pam_limits', { ...limit, value: 8192, use_max: true }, 'cat /etc/security/limits.conf');
    expect(raised.msg).toBe('*\tsoft\tnofile\t8192\t#play test\n');
    expect((await run('pam_limits', { ...limit, value: 1024, use_max: true })).changed).toBe(false);
  });
});

describe(`getent on a real Debian host (${HOST})`, () => {
  test('facts from the host databases; a missing key fails unless fail_key is false', async () => {
    const root = await run('ansible.builtin.getent', { database: 'passwd', key: 'root' });
    expect(root).toMatchObject({ changed: false, ansible_facts: { getent_passwd: { root: ['x', '0', '0', 'root', '/root', expect.any(String)] } } });
    const groups = await run('getent', { database: 'group' });
    expect(Object.keys((groups.ansible_facts as { getent_group: object }).getent_group)).toEqual(expect.arrayContaining(['root', 'adm', 'sudo']));
    await expect(run('getent', { database: 'passwd', key: 'nobody-here' })).rejects.toThrow('One or more supplied key could not be found in the database.');
    expect(await run('getent', { database: 'passwd', key: 'nobody-here', fail_key: false })).toMatchObject({ ansible_facts: { getent_passwd: { 'nobody-here': null } } });
  });
});

describe(`facts, find, get_url, unarchive and replace on a real Debian host (${HOST}), beside ansible-core`, () => {
  const WORK = '/srv/play-more';
  let local: string;

  beforeAll(async () => {
    local = mkdtempSync(join(tmpdir(), 'more-modules-'));
    await host.conn.run(`rm -rf ${WORK} && mkdir -p ${WORK}/www ${WORK}/out ${WORK}/tree/sub/deeper`, { become: true });
  });

  afterAll(() => {
    if (local) rmSync(local, { recursive: true, force: true });
  });

  /** ansible-core's own module on the same host, as root through the lab's ssh config (the host by its IP literal). */
  function ansible(module: string, args: Record<string, unknown>): Record<string, unknown> {
    const { lab } = host;
    const address = lab.hosts.find((h) => h.name === HOST)!.privateAddress;
    const home = mkdtempSync(join(local, 'ansible-'));
    const result = spawnSync('ansible', ['all', '-i', `${address},`, '-u', lab.sshUser, '--become', '-m', module, ...(Object.keys(args).length > 0 ? ['-a', JSON.stringify(args)] : []), '--ssh-common-args', `-F ${lab.sshConfigFile}`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: home, ANSIBLE_HOME: home, ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3', ANSIBLE_HOST_KEY_CHECKING: 'False' },
      timeout: 300_000,
    });
    const at = result.stdout.indexOf('=> {');
    if (at < 0) throw new Error(`ansible ${module} gave no result (exit ${result.status}): ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout.slice(at + 3)) as Record<string, unknown>;
  }

  /** Facts that do not move between two gatherings a few seconds apart: exactly Ansible's value. */
  const SAME = [
    'hostname', 'nodename', 'fqdn', 'domain', 'system', 'kernel', 'kernel_version', 'machine', 'architecture', 'os_family', 'distribution',
    'distribution_release', 'distribution_version', 'distribution_major_version', 'distribution_minor_version', 'service_mgr', 'pkg_mgr',
    'python', 'python_version', 'user_id', 'user_uid', 'user_gid', 'user_dir', 'user_shell', 'user_gecos', 'real_user_id', 'effective_user_id',
    'real_group_id', 'effective_group_id', 'lsb', 'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core',
    'processor_vcpus', 'processor_nproc', 'memtotal_mb', 'swaptotal_mb', 'swapfree_mb', 'all_ipv4_addresses', 'default_ipv4',
    'virtualization_type', 'virtualization_role', 'selinux', 'selinux_python_present',
  ];
  /** Sets in Ansible (listed in hash order): compared sorted. */
  const SETS = ['virtualization_tech_guest', 'virtualization_tech_host', 'interfaces'];
  /** Listed differences: Ansible's TERM is its ssh session's; SUDO_COMMAND names its own temporary module file. */
  const ENV_NOT_COMPARED = new Set(['TERM']);
  const MOUNT_SAME = ['mount', 'device', 'fstype', 'options', 'uuid', 'size_total', 'block_size', 'block_total', 'inode_total'];

  it('facts: the values ansible-core gathers on the same host', async () => {
    const theirs = (ansible('setup', {}).ansible_facts as Record<string, unknown>) ?? {};
    const ours = (await run('setup', {})).ansible_facts as Record<string, unknown>;
    const fact = (name: string) => theirs[`ansible_${name}`];
    for (const name of SAME) expect({ name, value: ours[name] }).toEqual({ name, value: fact(name) });
    expect(ours.distribution_major_version).toBe('12');
    expect(ours.virtualization_type).toBe('container');
    expect(ours.service_mgr).toBe('systemd');
    for (const name of SETS) expect({ name, value: [...(ours[name] as string[])].sort() }).toEqual({ name, value: [...(fact(name) as string[])].sort() });
    const env = ours.env as Record<string, string>;
    for (const [name, value] of Object.entries(env)) if (!ENV_NOT_COMPARED.has(name)) expect({ name, value }).toEqual({ name, value: (fact('env') as Record<string, string>)[name] });
    const [date, theirDate] = [ours.date_time, fact('date_time')] as Record<string, string>[];
    expect(Object.keys(date).sort()).toEqual(Object.keys(theirDate).sort());
    for (const name of ['tz', 'tz_dst', 'tz_offset', 'date']) expect({ name, value: date[name] }).toEqual({ name, value: theirDate[name] });
    expect(Math.abs(Number(date.epoch) - Number(theirDate.epoch))).toBeLessThan(600);
    expect(Math.abs((ours.memfree_mb as number) - (fact('memfree_mb') as number))).toBeLessThan((ours.memtotal_mb as number) / 4);
    const pick = (mounts: unknown) => (mounts as Record<string, unknown>[]).map((m) => Object.fromEntries(MOUNT_SAME.map((k) => [k, m[k]]))).sort((a, b) => String(a.mount).localeCompare(String(b.mount)));
    expect(pick(ours.mounts)).toEqual(pick(fact('mounts')));
    expect((ours.mounts as unknown[]).length).toBeGreaterThan(0);
  }, 300_000);

  it('find: the same files, matched and examined counts as ansible-core', async () => {
    await host.conn.run(
      `cd ${WORK}/tree && printf 'alpha\\nport 22\\n' > a.conf && printf 'x\\n' > b.log && printf 'port 80\\n' > sub/c.conf && : > .hidden.conf && head -c 3000 /dev/zero > sub/deeper/big.conf && ln -sf a.conf link.conf`,
      { become: true },
    );
    const cases: Record<string, unknown>[] = [
      { paths: `${WORK}/tree`, patterns: '*.conf' },
      { paths: `${WORK}/tree`, patterns: '*.conf', recurse: true, hidden: true },
      { paths: `${WORK}/tree`, patterns: ['^[ab]\\..*$'], use_regex: true, recurse: true },
      { paths: `${WORK}/tree`, contains: 'port \\d+', recurse: true },
      { paths: `${WORK}/tree`, recurse: true, depth: 2, file_type: 'any', excludes: 'b.*' },
      { paths: `${WORK}/tree`, recurse: true, size: '2k' },
      { paths: `${WORK}/tree`, file_type: 'link' },
      { paths: [`${WORK}/tree`, `${WORK}/nowhere`], file_type: 'directory', recurse: true },
    ];
    for (const args of cases) {
      const theirs = ansible('find', args);
      const ours = await run('find', args);
      const paths = (r: Record<string, unknown>) => (r.files as { path: string }[]).map((f) => f.path).sort();
      expect({ args, paths: paths(ours), matched: ours.matched, examined: ours.examined, msg: ours.msg }).toEqual({
        args,
        paths: paths(theirs),
        matched: theirs.matched,
        examined: theirs.examined,
        msg: theirs.msg,
      });
      const [one, other] = [(ours.files as Record<string, unknown>[])[0], (theirs.files as Record<string, unknown>[])[0]];
      if (one) expect(Object.keys(one).sort()).toEqual(Object.keys(other).sort());
    }
  }, 600_000);

  it('get_url: downloads from a server on the host, then nothing while the file is the same', async () => {
    const { conn } = host;
    await conn.run(`printf 'payload v1\\n' > ${WORK}/www/file.txt`, { become: true });
    const server = await conn.run(`cd ${WORK}/www && (setsid python3 -m http.server --bind 127.0.0.1 18080 >/dev/null 2>&1 & echo $!) && sleep 1`, { become: true });
    const pid = server.stdout.trim();
    try {
      const url = 'http://127.0.0.1:18080/file.txt';
      const dest = `${WORK}/out/file.txt`;
      const first = await cycle('get_url', { url, dest, mode: '0640', owner: 'nobody' }, `stat -c '%U %a %s' ${dest} && cat ${dest}`, { checkAgain: true });
      expect(first).toMatchObject({ dest, status_code: 200, checksum_src: expect.any(String) });
      const sha = (await conn.run(`sha256sum ${dest}`, { become: true })).stdout.split(' ')[0];
      const skipped = await run('get_url', { url: 'http://127.0.0.1:18081/not-listening', dest, checksum: `sha256:${sha}` });
      expect(skipped).toMatchObject({ changed: false, msg: 'file already exists' });
      const mismatch = await run('get_url', { url, dest: `${WORK}/out/other.txt`, checksum: 'sha256:0000' });
      expect(mismatch.failed).toBe(true);
      expect(await state(`test -e ${WORK}/out/other.txt`)).toBe('1:');
      // The server's file changes: a plain get_url (force=no) sends If-Modified-Since and gets it.
      await conn.run(`sleep 1 && printf 'payload v2\\n' > ${WORK}/www/file.txt`, { become: true });
      expect((await run('get_url', { url, dest, mode: '0640', owner: 'nobody' })).changed).toBe(true);
      expect(await state(`cat ${dest}`)).toBe('0:payload v2\n');
      const secret = await run('get_url', { url: 'http://127.0.0.1:18080/missing', dest: `${WORK}/out/m`, url_username: 'u', url_password: 'hunter2-secret' });
      expect(secret.failed).toBe(true);
      expect(JSON.stringify(secret)).not.toContain('hunter2-secret');
    } finally {
      await conn.run(`kill ${pid}`, { become: true });
    }
  }, 300_000);

  it('unarchive: a controller tar.gz is unpacked once; a zip without unzip on the host fails naming it', async () => {
    mkdirSync(join(local, 'content/app/conf'), { recursive: true });
    writeFileSync(join(local, 'content/app/run.sh'), '#!/bin/sh\necho hi\n');
    writeFileSync(join(local, 'content/app/conf/app.ini'), '[app]\nport=8080\n');
    const tarball = join(local, 'app.tar.gz');
    // Members dated 2020: tar --diff tells a changed file by its time, to the second, and on a fast
    // machine the edit below can fall in the second the archive was made.
    expect(spawnSync('tar', ['--mtime=@1577836800', '-czf', tarball, '-C', join(local, 'content'), 'app']).status).toBe(0);
    const dest = `${WORK}/out`;
    const args = { src: tarball, dest, owner: 'nobody', list_files: true };
    const first = await cycle('unarchive', args, `cd ${dest} && find app -printf '%p %u %s\\n' | sort`, { checkAgain: true });
    expect(first).toMatchObject({ handler: 'TgzArchive', files: expect.arrayContaining(['app/run.sh', 'app/conf/app.ini']) });
    expect(await state(`cat ${dest}/app/conf/app.ini`)).toBe('0:[app]\nport=8080\n');
    // Ansible's rule: a file changed at dest is unpacked again.
    await host.conn.run(`echo local > ${dest}/app/conf/app.ini`, { become: true });
    expect((await run('unarchive', args)).changed).toBe(true);
    expect(await state(`cat ${dest}/app/conf/app.ini`)).toBe('0:[app]\nport=8080\n');
    expect((await run('unarchive', { ...args, creates: `${dest}/app` })).skipped).toBe(true);

    const zip = join(local, 'app.zip');
    expect(spawnSync('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(zip)}, 'w'); z.writestr('z.txt', 'z\\n'); z.close()`]).status).toBe(0);
    const hasUnzip = (await host.conn.run('command -v unzip')).exitCode === 0;
    if (hasUnzip) expect((await run('unarchive', { src: zip, dest })).changed).toBe(true);
    else await expect(run('unarchive', { src: zip, dest })).rejects.toThrow(/zip archive and app-1 has no unzip/);
    expect(await state(`ls ${WORK}/out`)).toBe(hasUnzip ? '0:app\nfile.txt\nz.txt\n' : '0:app\nfile.txt\n');
  }, 300_000);

  it('replace: every match of a Python regex, with backreferences, inside after/before', async () => {
    const path = `${WORK}/out/sshd.conf`;
    await host.conn.run(`printf '# head\\nPort 22\\n[main]\\nPermitRootLogin yes\\nPort 2222\\n[end]\\nPort 22\\n' > ${path}`, { become: true });
    const args = { path, regexp: '^(?P<key>Port) (2\\d+)$', replace: '\\g<key> 1\\2', after: '\\[main\\]', before: '\\[end\\]', backup: true };
    const first = await cycle('replace', args, `cat ${path}`, { checkAgain: true });
    expect(first.msg).toBe('1 replacements made');
    expect(await state(`cat ${path}`)).toBe('0:# head\nPort 22\n[main]\nPermitRootLogin yes\nPort 12222\n[end]\nPort 22\n');
    expect(first.backup_file).toMatch(/^\/srv\/play-more\/out\/sshd\.conf\./);
    const diffed = await run('replace', { path, regexp: 'yes$', replace: 'no' }, { check: true, diff: true });
    expect(diffed.diff).toEqual([expect.objectContaining({ path, after: expect.stringContaining('PermitRootLogin no') })]);
    await expect(run('replace', { path: `${WORK}/out/absent`, regexp: 'x' })).rejects.toThrow(/does not exist/);
  }, 300_000);
});
