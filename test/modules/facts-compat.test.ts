import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { FACTS_COMMAND, parseFacts, SHELL_FUNCTIONS } from '../../src/modules/commands/facts';
import { makeContext, runModule } from './context';

/**
 * The facts roles test, parsed as Ansible's collectors compute them (from the raw text the
 * facts script prints), and gathered on this machine next to ansible-core's own `setup`.
 */

const lines = (tag: string, text: string) => text.trim().split('\n').map((line) => `${tag}\t${line}`).join('\n');

describe('parseFacts: Ansible’s rules on given host output', () => {
  it('two hyper-threaded sockets: count, cores, threads and vcpus as Ansible counts them', () => {
    const cpu = [0, 1, 2, 3, 4, 5, 6, 7]
      .map((n) => `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: ${n < 4 ? 0 : 1}\nsiblings\t: 4\ncore id\t\t: ${n % 2}\ncpu cores\t: 2`)
      .join('\n');
    const facts = parseFacts(`uname\tLinux h 6.1.0 x86_64\n${lines('cpu', cpu)}\nnproc\t8\n${lines('mem', 'MemTotal: 2048000 kB\nMemFree: 1024000 kB\nSwapTotal: 1048576 kB\nSwapFree: 524288 kB')}`);
    expect(facts).toMatchObject({
      processor_count: 2,
      processor_cores: 2,
      processor_threads_per_core: 2,
      processor_vcpus: 8,
      processor_nproc: 8,
      memtotal_mb: 2000,
      memfree_mb: 1000,
      swaptotal_mb: 1024,
      swapfree_mb: 512,
    });
    expect((facts.processor as string[]).slice(0, 3)).toEqual(['0', 'GenuineIntel', 'Xeon']);
  });

  it('mounts: one entry per mount point (the last line wins), bind mounts marked, octal escapes decoded', () => {
    const out = [
      'nproc\t1',
      'bind\t/srv/my data',
      'lsblk\t/dev/sda1 1111-2222',
      'mount\t/dev/sda1\t/\text4\tro,relatime\t4096 4096 1000 400 300 500 100',
      'mount\t/dev/sda1\t/\text4\trw,relatime\t4096 4096 1000 400 300 500 100',
      'mount\t/dev/sda1\t/srv/my\\040data\text4\trw\t4096 4096 1000 400 300 500 100',
    ].join('\n');
    expect(parseFacts(out).mounts).toEqual([
      { mount: '/', device: '/dev/sda1', fstype: 'ext4', options: 'rw,relatime', size_total: 4096000, size_available: 1228800, block_size: 4096, block_total: 1000, block_available: 300, block_used: 700, inode_total: 500, inode_available: 100, inode_used: 400, uuid: '1111-2222' },
      { mount: '/srv/my data', device: '/dev/sda1', fstype: 'ext4', options: 'rw,bind', size_total: 4096000, size_available: 1228800, block_size: 4096, block_total: 1000, block_available: 300, block_used: 700, inode_total: 500, inode_available: 100, inode_used: 400, uuid: '1111-2222' },
    ]);
  });

  it('default_ipv4: the interface of the route to the outside, with its address details; {} without a route', () => {
    const network = [
      'addr\t1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      'addr\t2: ens5    inet 172.31.5.20/20 brd 172.31.15.255 scope global dynamic ens5\\       valid_lft 3000sec preferred_lft 3000sec',
      'link\t1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      'link\t2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP mode DEFAULT group default qlen 1000\\    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff',
    ];
    const facts = parseFacts([...network, 'route\t8.8.8.8 via 172.31.0.1 dev ens5 src 172.31.5.20 uid 0 '].join('\n'));
    expect(facts.default_ipv4).toEqual({
      interface: 'ens5',
      alias: 'ens5',
      gateway: '172.31.0.1',
      address: '172.31.5.20',
      broadcast: '172.31.15.255',
      netmask: '255.255.240.0',
      network: '172.31.0.0',
      prefix: '20',
      type: 'ether',
      mtu: 9001,
      macaddress: '0a:1b:2c:3d:4e:5f',
    });
    expect(facts.all_ipv4_addresses).toEqual(['172.31.5.20']);
    expect(facts.interfaces).toEqual(['ens5', 'lo']);
    expect(parseFacts(network.join('\n')).default_ipv4).toEqual({});
  });

  it('date_time: local fields, UTC iso8601, and the DST name Python’s time.tzname gives', () => {
    const date = [
      'date\t1751364000\t123456789\t2025-07-01\t12:00:00\tCEST\t+0200\tTuesday\t2\t26',
      'date\t1735729200\t000000000\t2025-01-01\t12:00:00\tCET\t+0100\tWednesday\t3\t00',
      'date\t1751364000\t000000000\t2025-07-01\t12:00:00\tCEST\t+0200\tTuesday\t2\t26',
    ].join('\n');
    expect(parseFacts(date).date_time).toMatchObject({
      epoch: '1751364000',
      iso8601: '2025-07-01T10:00:00Z',
      iso8601_micro: '2025-07-01T10:00:00.123456Z',
      iso8601_basic: '20250701T120000123456',
      tz: 'CEST',
      tz_dst: 'CEST',
      tz_offset: '+0200',
      weekday_number: '2',
    });
  });

  it('virtualization: docker by cgroup, kvm by DMI, nothing found is NA', () => {
    expect(parseFacts('systemd_container\t\ncgroup\t0::/system.slice/docker-0123abcd.scope')).toMatchObject({ virtualization_type: 'docker', virtualization_role: 'guest', virtualization_tech_guest: ['container', 'docker'] });
    expect(parseFacts('systemd_container\t\ndmi\tsys_vendor\tQEMU\ndmi\tproduct_name\tStandard PC')).toMatchObject({ virtualization_type: 'kvm', virtualization_role: 'guest' });
    expect(parseFacts('systemd_container\t\nmodule\tkvm')).toMatchObject({ virtualization_type: 'kvm', virtualization_role: 'host', virtualization_tech_host: ['kvm'] });
    expect(parseFacts('systemd_container\t')).toMatchObject({ virtualization_type: 'NA', virtualization_role: 'NA' });
  });

  it('distribution: os-release’s VERSION_ID (or python3-distro’s best version), the point release as the minor version', () => {
    const os = ['os\tNAME="Debian GNU/Linux"', 'os\tID=debian', 'os\tVERSION_ID="12"', 'os\tVERSION_CODENAME=bookworm', 'debian_version\t12.7', 'service_mgr\tsystemd'].join('\n');
    expect(parseFacts(os)).toMatchObject({ distribution: 'Debian', os_family: 'Debian', distribution_version: '12', distribution_major_version: '12', distribution_minor_version: '7', distribution_release: 'bookworm', service_mgr: 'systemd', lsb: {} });
    // Where the host's python has the distro library, Ansible's Debian version is its best one.
    expect(parseFacts(`${os}\ndistro_version\t12.7`)).toMatchObject({ distribution_version: '12.7', distribution_major_version: '12' });
  });
});

/** Facts of this machine that ansible-core and play must agree on exactly (this machine is not systemd-managed). */
const SAME = [
  'hostname', 'nodename', 'fqdn', 'domain', 'system', 'kernel', 'kernel_version', 'machine', 'architecture', 'os_family', 'distribution',
  'distribution_release', 'distribution_version', 'distribution_major_version', 'distribution_minor_version', 'service_mgr', 'pkg_mgr', 'lsb', 'python_version',
  'user_id', 'user_uid', 'user_gid', 'user_dir', 'user_shell', 'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core',
  'processor_vcpus', 'processor_nproc', 'memtotal_mb', 'swaptotal_mb', 'all_ipv4_addresses', 'default_ipv4', 'virtualization_type',
  'virtualization_role', 'selinux', 'selinux_python_present',
];
/** Sets in Ansible (listed in hash order): compared sorted. */
const SETS = ['virtualization_tech_guest', 'virtualization_tech_host', 'interfaces'];

describe('the facts script’s shell functions (builtins only, in POSIX sh)', () => {
  const run = (script: string): string => {
    const result = spawnSync('sh', ['-c', [...SHELL_FUNCTIONS, script].join('\n')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout;
  };

  it('t tags every line as it is: blanks, backslashes, and a last line without a newline', () => {
    expect(run(`printf '  lead\\tin\\nback\\\\slash\\n\\nlast' | t x`)).toBe('x\t  lead\tin\nx\tback\\slash\nx\t\nx\tlast\n');
  });

  it('v prints a file’s first line, or an empty value for a file that is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facts-v-'));
    try {
      writeFileSync(join(dir, 'one'), ' 12.11 \\x\nsecond\n');
      expect(run(`v a ${dir}/one; v b ${dir}/missing; echo after`)).toBe('a\t 12.11 \\x\nb\t\nafter\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the facts script: Python’s answer comes after the rest; where Python fails, the fqdn is hostname -f’s', () => {
  const gather = (path: string) => {
    const result = spawnSync('sh', ['-c', FACTS_COMMAND], { encoding: 'utf8', env: { ...process.env, PATH: path } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return result.stdout.trimEnd().split('\n');
  };
  const tags = gather(process.env.PATH ?? '').map((line) => line.split('\t')[0]);
  expect(tags).toContain('pyfqdn');
  expect(tags.slice(tags.indexOf('pyver')).filter((tag) => !['pyver', 'pyfqdn', 'distro_version'].includes(tag))).toEqual([]);
  expect(tags).not.toContain('fqdn');

  const dir = mkdtempSync(join(tmpdir(), 'facts-nopython-'));
  try {
    writeFileSync(join(dir, 'python3'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const withoutPython = gather(`${dir}:${process.env.PATH ?? ''}`);
    const hostname = spawnSync('hostname', ['-f'], { encoding: 'utf8' }).stdout.trim();
    expect(withoutPython.filter((line) => /^(pyver|pyfqdn|fqdn)\t/.test(line))).toEqual([`fqdn\t${hostname}`]);
    expect(parseFacts(withoutPython.join('\n')).fqdn).toBe(hostname);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on this machine: the same facts as ansible-core’s setup', async () => {
  const home = mkdtempSync(join(tmpdir(), 'facts-ansible-'));
  const conn = new LocalConnection();
  try {
    // Both run the python3 this machine's PATH finds first (where play's facts script finds it).
    const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    // An inventory host, not the implicit localhost (which always runs Ansible's own python).
    const result = spawnSync('ansible', ['all', '-i', 'localhost,', '-c', 'local', '-m', 'setup'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: home, ANSIBLE_HOME: home, ANSIBLE_PYTHON_INTERPRETER: python, LOGNAME: process.env.LOGNAME ?? 'root', USER: process.env.USER ?? 'root' },
      timeout: 300_000,
    });
    const theirs = (JSON.parse(result.stdout.slice(result.stdout.indexOf('=> {') + 3)) as { ansible_facts: Record<string, unknown> }).ansible_facts;
    const ours = await runModule(getModule('setup')!, {}, makeContext(conn));
    const facts = ours.ansible_facts as Record<string, unknown>;
    for (const name of SAME) expect({ name, value: facts[name] }).toEqual({ name, value: theirs[`ansible_${name}`] });
    for (const name of SETS) expect({ name, value: [...(facts[name] as string[])].sort() }).toEqual({ name, value: [...(theirs[`ansible_${name}`] as string[])].sort() });
    expect((facts.python as { version: { major: number } }).version.major).toBe(3);
    // What the swap role reads: memory_mb's totals (its free figures move between two gatherings).
    const totals = (memory: unknown) => ({ real: (memory as { real: { total: number } }).real.total, swap: (memory as { swap: { total: number } }).swap.total });
    expect(totals(facts.memory_mb)).toEqual(totals(theirs.ansible_memory_mb));
    const mounts = (facts: unknown) => (facts as { mount: string; device: string; fstype: string; size_total: number }[]).map((m) => `${m.mount} ${m.device} ${m.fstype} ${m.size_total}`).sort();
    expect(mounts(facts.mounts)).toEqual(mounts(theirs.ansible_mounts));
  } finally {
    conn.close();
    rmSync(home, { recursive: true, force: true });
  }
}, 300_000);
