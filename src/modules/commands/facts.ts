import type { Facts } from '../module';

/** The groups of facts `gather_subset` selects, by Ansible's names; `min` is always gathered. */
export type FactSubset = 'min' | 'hardware' | 'network' | 'virtual';

/** The facts of each optional subset (every other fact is `min`). */
export const SUBSET_FACTS: Record<Exclude<FactSubset, 'min'>, string[]> = {
  hardware: [
    'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus', 'processor_nproc',
    'memtotal_mb', 'memfree_mb', 'swaptotal_mb', 'swapfree_mb', 'memory_mb', 'mounts',
  ],
  network: ['all_ipv4_addresses', 'default_ipv4', 'interfaces'],
  virtual: ['virtualization_type', 'virtualization_role', 'virtualization_tech_guest', 'virtualization_tech_host'],
};

/** Environment variables `ansible_env` reports: the login's basics, never what a task's `environment:` may carry (secrets). */
const ENV_NAMES = ['HOME', 'LOGNAME', 'USER', 'SHELL', 'PATH', 'PWD', 'LANG', 'LANGUAGE', 'TERM', 'MAIL', 'TZ', 'SUDO_USER', 'SUDO_UID', 'SUDO_GID'];

const CPUINFO_KEYS = ['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor', 'physical id', 'core id', 'cpu cores', 'siblings', '# processors', 'ncpus active'];

/**
 * The interpreter's version; the fqdn as Ansible takes it (Python's socket.getfqdn, which
 * `hostname -f` does not always equal); and, where the host has the `distro` library (Debian's
 * python3-distro, which lsb-release pulls in), Debian's version as Ansible reads it through that
 * library: with the point release (`12.11`), where its bundled copy gives os-release's `12`.
 */
const PYTHON_PROBE = [
  'import socket, sys',
  'print("\\t".join(["pyver"] + [str(v) for v in sys.version_info]))',
  'print("pyfqdn\\t" + socket.getfqdn())',
  'try:',
  '    import distro',
  '    if distro.id() == "debian": print("distro_version\\t" + distro.version(best=True))',
  'except Exception:',
  '    pass',
].join('\n');

/**
 * Shell functions the probes share, so that tagging a line or reading a one-line file costs the
 * host no process start (a `sed` or `cat` each did: about half of what gathering cost a host).
 * `t TAG` prefixes each line of its input with `TAG<tab>`; `v TAG FILE` prints FILE's first line
 * after `TAG<tab>` (an empty value if FILE is missing). Not for /proc/sys numbers: the shell reads
 * a byte at a time, and their handlers answer only a read from the start (`read` gets `4` of `4096`).
 */
export const SHELL_FUNCTIONS = [
  `t() { while IFS= read -r _l || [ -n "$_l" ]; do printf '%s\\t%s\\n' "$1" "$_l"; done; }`,
  `v() { _l=; IFS= read -r _l 2>/dev/null < "$2"; printf '%s\\t%s\\n' "$1" "$_l"; }`,
];

const SUBSET_COMMANDS: Record<FactSubset, string[]> = {
  min: [
    `t os 2>/dev/null < /etc/os-release`,
    `v debian_version /etc/debian_version`,
    // Kernel name, node, release, version (which has blanks), machine: in this order, whatever the flags' order.
    `printf 'uname\\t%s\\n' "$(uname -snrvm)"`,
    `if [ -d /run/systemd/system ]; then echo 'service_mgr\tsystemd'; else v service_mgr /proc/1/comm; fi`,
    `for m in apt-get dnf yum apk; do if command -v $m >/dev/null 2>&1; then printf 'pkg\\t%s\\n' $m; break; fi; done`,
    // The shell's own status: the same ids as any process it would start to read them (real, effective, ...).
    `while IFS= read -r _l; do case $_l in Uid:*|Gid:*) printf '%s\\t%s\\n' "\${_l%%:*}" "\${_l#*:}" ;; esac; ` +
      `case $_l in Uid:*) set -f; set -- \${_l#*:}; set +f; _uid=$2 ;; esac; done < /proc/self/status`,
    `getent passwd "$_uid" | t passwd`,
    `env | grep -E '^(${ENV_NAMES.join('|')}|LC_[A-Z_]+)=' | t env`,
    // Now, then midwinter and midsummer of this year: Python's time.tzname (equal without DST).
    `printf 'now\\njan 1 12:00\\njul 1 12:00\\n' | date -f - '+date\t%s\t%N\t%Y-%m-%d\t%H:%M:%S\t%Z\t%z\t%A\t%w\t%W'`,
    `if command -v lsb_release >/dev/null 2>&1; then printf 'lsb_release\\tyes\\n'; fi`,
    // What libselinux (which Ansible loads) calls enabled: selinuxfs mounted.
    `if [ -e /sys/fs/selinux/enforce ]; then v 'selinux\tenabled' /sys/fs/selinux/enforce; else printf 'selinux\\tdisabled\\n'; fi`,
  ],
  hardware: [
    `grep -E '^(${CPUINFO_KEYS.join('|')})\\s*:' /proc/cpuinfo | t cpu`,
    `printf 'nproc\\t%s\\n' "$(nproc)"`,
    `grep -E '^(MemTotal|MemFree|Buffers|Cached|SwapTotal|SwapFree|SwapCached):' /proc/meminfo | t mem`,
    // Bind mounts: findmnt shows their source as `device[/dir]`.
    `findmnt --list --noheadings --notruncate 2>/dev/null | sed -n 's/^\\([^ ]*\\) \\+[^ ]*\\] .*/bind\\t\\1/p'`,
    `lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null | t lsblk`,
    // Ansible's filter: block devices and network mounts only; statvfs through stat -f.
    `while read -r dev mnt fs opts rest; do case "$dev" in /*|\\\\*|*:/*) ;; *) continue ;; esac; [ "$fs" = none ] && continue; ` +
      `case "$mnt" in *\\\\*) _p=$(printf '%b' "$mnt") ;; *) _p=$mnt ;; esac; ` +
      `printf 'mount\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$dev" "$mnt" "$fs" "$opts" "$(stat -f -c '%S %s %b %f %a %c %d' "$_p" 2>/dev/null)"; ` +
      `done < /proc/mounts`,
  ],
  network: [
    `ip -o -4 addr show 2>/dev/null | t addr`,
    `ip -o link show 2>/dev/null | t link`,
    // Ansible walks the interfaces in the directory's own order (Python's glob does not sort): so does all_ipv4_addresses.
    `ls -U /sys/class/net 2>/dev/null | t netdir`,
    // A route lookup in the kernel's table (no packet is sent), as Ansible finds the default interface.
    `ip -4 route get 8.8.8.8 2>/dev/null | t route`,
  ],
  virtual: [
    `grep -E '/docker(/|-[0-9a-f]+\\.scope)|/lxc/|/machine.slice/machine-lxc|/system.slice/containerd.service' /proc/1/cgroup 2>/dev/null | t cgroup`,
    `tr '\\0' '\\n' 2>/dev/null < /proc/1/environ | grep '^container=' | t environ`,
    `v systemd_container /run/systemd/container`,
    `if [ -e /.dockerenv ] || [ -e /.dockerinit ]; then echo 'dockerenv\tyes'; fi`,
    `for f in product_name sys_vendor product_family bios_vendor; do v "dmi\t$f" /sys/devices/virtual/dmi/id/$f; done`,
    `if [ -e /proc/xen ]; then printf 'xen\\t%s\\n' "$(grep -c control_d /proc/xen/capabilities 2>/dev/null)"; fi`,
    `sed -n 's/^\\(kvm\\|vboxdrv\\|virtio\\) .*/module\\t\\1/p' /proc/modules 2>/dev/null`,
    `if [ -e /dev/kvm ]; then echo 'devkvm\tyes'; fi`,
  ],
};

/**
 * One shell script that prints the facts of the given subsets as tagged lines (parsing stays on the
 * controller, so the host needs nothing beyond coreutils, util-linux, sed and iproute2, which even a
 * minbase Debian has).
 */
export function factsCommand(subsets: ReadonlySet<FactSubset>): string {
  const probes = (Object.keys(SUBSET_COMMANDS) as FactSubset[])
    .filter((subset) => subset === 'min' || subsets.has(subset))
    .flatMap((subset) => SUBSET_COMMANDS[subset]);
  // Every probe is best effort (a file a kernel or container lacks): only a broken shell fails.
  // Python starts slowest of all, so it runs beside the other probes (on another core where there
  // is one), into a pipe read once they are done: its lines never break into theirs. `hostname -f`
  // only where Python cannot give the fqdn as Ansible takes it.
  return [
    ...SHELL_FUNCTIONS,
    `py=$(command -v python3 || true); if [ -n "$py" ]; then printf 'python\\t%s\\n' "$py"; fi`,
    `{ if [ -n "$py" ]; then "$py" -c '${PYTHON_PROBE}' 2>/dev/null; fi; } | {`,
    '{',
    ...probes,
    '} </dev/null',
    `_f=; while IFS= read -r _l; do printf '%s\\n' "$_l"; case $_l in pyfqdn*) _f=1 ;; esac; done`,
    `if [ -z "$_f" ]; then printf 'fqdn\\t%s\\n' "$(hostname -f 2>/dev/null)"; fi`,
    'true',
    '}',
  ].join('\n');
}

export const FACTS_COMMAND = factsCommand(new Set(['min', 'hardware', 'network', 'virtual']));

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

const PKG_MGR: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', apk: 'apk' };

/** Tagged lines by tag: each tag's values (the rest of the line), in order. */
function byTag(stdout: string): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const tag = line.slice(0, tab);
    tags.set(tag, [...(tags.get(tag) ?? []), line.slice(tab + 1)]);
  }
  return tags;
}

function keyValues(lines: string[], separator: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(separator);
    if (at > 0) map.set(line.slice(0, at).trim(), line.slice(at + separator.length).trim());
  }
  return map;
}

/** Ansible's get_cpu_facts over /proc/cpuinfo's lines (x86 and arm; its quirks kept, they are what roles see). */
function cpuFacts(lines: string[], nproc: number, architecture: string): Record<string, unknown> {
  const processor: string[] = [];
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  let count = 0;
  let vendorIds = 0;
  let modelNames = 0;
  let processors = 0;
  let physid = '0';
  let coreid = '0';
  for (const line of lines) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      processor.push(value);
      if (key === 'vendor_id') vendorIds++;
      if (key === 'model name') modelNames++;
      if (key === 'processor') processors++;
      count++;
    } else if (key === 'physical id') {
      physid = value;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = value;
      // Ansible tests the socket map here (a slip in its code): kept so the counts agree.
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number(value));
    else if (key === 'siblings') cores.set(coreid, Number(value));
    else if (key === 'ncpus active') count = Number(value);
  }
  if (vendorIds > 0 && vendorIds === modelNames) count = vendorIds;
  if (/^(armv|aarch|ppc)/.test(architecture)) count = processors;
  const processorCount = sockets.size > 0 ? sockets.size : count;
  const processorCores = [...sockets.values()][0] || 1;
  const coreValues = [...cores.values()];
  const threadsPerCore = Math.floor((coreValues.length > 0 ? coreValues[0] : 1) / processorCores);
  return {
    processor,
    processor_count: processorCount,
    processor_cores: processorCores,
    processor_threads_per_core: threadsPerCore,
    processor_vcpus: threadsPerCore * processorCount * processorCores,
    processor_nproc: nproc || processors,
  };
}

function memoryFacts(lines: string[]): Record<string, unknown> {
  const kb = keyValues(lines, ':');
  const mb = (name: string): number => Math.floor(Number((kb.get(name) ?? '0').replace(/\s*kB$/, '')) / 1024);
  const [total, free, buffers, cached, swapTotal, swapFree, swapCached] = ['MemTotal', 'MemFree', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree', 'SwapCached'].map(mb);
  const nocacheFree = free + buffers + cached;
  return {
    memtotal_mb: total,
    memfree_mb: free,
    swaptotal_mb: swapTotal,
    swapfree_mb: swapFree,
    memory_mb: {
      real: { total, used: total - free, free },
      nocache: { free: nocacheFree, used: total - nocacheFree },
      swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree, cached: swapCached },
    },
  };
}

/** /proc/mounts escapes blanks as octal (`\040`). */
function unescapeOctal(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Ansible's get_mount_facts: one entry per mount point (the last line wins), bind mounts marked. */
function mountFacts(tags: Map<string, string[]>): Record<string, unknown>[] {
  const binds = new Set(tags.get('bind') ?? []);
  const uuids = new Map((tags.get('lsblk') ?? []).map((line) => line.trim().split(/\s+/)).filter((f) => f.length === 2).map(([name, uuid]) => [name, uuid]));
  const mounts = new Map<string, Record<string, unknown>>();
  for (const line of tags.get('mount') ?? []) {
    const [device, mount, fstype, options, statfs] = line.split('\t').map((field, i) => (i < 4 ? unescapeOctal(field) : field));
    const info: Record<string, unknown> = { mount, device, fstype, options: binds.has(mount) && !/bind/.test(options) ? `${options},bind` : options };
    const [frsize, bsize, blocks, bfree, bavail, files, ffree] = (statfs ?? '').split(' ').map(Number);
    if (statfs && [frsize, bsize, blocks, bfree, bavail, files, ffree].every(Number.isFinite)) {
      Object.assign(info, {
        size_total: frsize * blocks,
        size_available: frsize * bavail,
        block_size: bsize,
        block_total: blocks,
        block_available: bavail,
        block_used: blocks - bavail,
        inode_total: files,
        inode_available: ffree,
        inode_used: files - ffree,
      });
    }
    info.uuid = uuids.get(device) ?? 'N/A';
    mounts.delete(mount);
    mounts.set(mount, info);
  }
  return [...mounts.values()];
}

function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

function networkAddress(address: string, prefix: number): string {
  const mask = prefixToNetmask(prefix).split('.').map(Number);
  return address.split('.').map((octet, i) => Number(octet) & mask[i]).join('.');
}

interface Link {
  device: string;
  mtu?: number;
  macaddress?: string;
  type: string;
}

function parseLink(line: string): Link | undefined {
  const match = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<[^>]*>(.*)$/.exec(line);
  if (!match) return undefined;
  const mtu = /\bmtu (\d+)/.exec(match[2])?.[1];
  const ether = /link\/(\S+)(?: (\S+))?/.exec(match[2]);
  const kind = ether?.[1] ?? 'unknown';
  return {
    device: match[1],
    ...(mtu ? { mtu: Number(mtu) } : {}),
    ...(ether?.[2] && kind !== 'none' ? { macaddress: ether[2] } : {}),
    type: kind === 'ether' ? 'ether' : kind === 'loopback' ? 'loopback' : kind,
  };
}

function networkFacts(tags: Map<string, string[]>): Record<string, unknown> {
  const addresses = (tags.get('addr') ?? []).flatMap((line) => {
    const match = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\/(\d+)(?:\s+brd\s+([\d.]+))?/.exec(line);
    return match ? [{ device: match[1], address: match[2], prefix: Number(match[3]), broadcast: match[4] ?? '' }] : [];
  });
  const links = (tags.get('link') ?? []).map(parseLink).filter((link): link is Link => link !== undefined);
  const route = (tags.get('route') ?? [])[0] ?? '';
  const device = /\bdev\s+(\S+)/.exec(route)?.[1];
  const source = /\bsrc\s+(\S+)/.exec(route)?.[1];
  const defaultIpv4: Record<string, unknown> = {};
  if (device) {
    const link = links.find((l) => l.device === device);
    const address = addresses.find((a) => a.device === device && (source === undefined || a.address === source)) ?? addresses.find((a) => a.device === device);
    Object.assign(defaultIpv4, {
      interface: device,
      alias: device,
      gateway: /\bvia\s+(\S+)/.exec(route)?.[1] ?? '',
      ...(address
        ? { address: address.address, broadcast: address.broadcast, netmask: prefixToNetmask(address.prefix), network: networkAddress(address.address, address.prefix), prefix: String(address.prefix) }
        : { address: source ?? '' }),
      ...(link ? { type: link.type, ...(link.mtu !== undefined ? { mtu: link.mtu } : {}), ...(link.macaddress ? { macaddress: link.macaddress } : {}) } : {}),
    });
  }
  const walked = tags.get('netdir') ?? [];
  const walkOrder = (device: string) => (walked.includes(device) ? walked.indexOf(device) : walked.length);
  return {
    all_ipv4_addresses: addresses
      .filter((a) => !a.address.startsWith('127.'))
      .sort((a, b) => walkOrder(a.device) - walkOrder(b.device))
      .map((a) => a.address),
    default_ipv4: defaultIpv4,
    interfaces: [...new Set(links.map((l) => l.device))].sort(),
  };
}

/** Ansible's hypervisor rules by DMI field (in its order): the first match names the type. */
const DMI_RULES: [field: string, values: string[], tech: string][] = [
  ['product_name', ['KVM', 'KVM Server', 'Bochs', 'AHV'], 'kvm'],
  ['sys_vendor', ['oVirt'], 'oVirt'],
  ['product_name', ['VMware Virtual Platform', 'VMware7,1'], 'VMware'],
  ['product_name', ['OpenStack Compute', 'OpenStack Nova'], 'openstack'],
  ['bios_vendor', ['Xen'], 'xen'],
  ['bios_vendor', ['innotek GmbH'], 'virtualbox'],
  ['bios_vendor', ['Amazon EC2', 'DigitalOcean', 'Hetzner'], 'kvm'],
  ['sys_vendor', ['QEMU', 'Amazon EC2', 'DigitalOcean', 'Google', 'Scaleway', 'Nutanix'], 'kvm'],
  ['sys_vendor', ['KubeVirt'], 'KubeVirt'],
  ['sys_vendor', ['Microsoft Corporation'], 'VirtualPC'],
  ['sys_vendor', ['Parallels Software International Inc.'], 'parallels'],
  ['sys_vendor', ['OpenStack Foundation'], 'openstack'],
];

/**
 * Ansible's linux virtual facts: containers (cgroup, pid 1's environment, systemd's marker), Xen,
 * then the DMI rules, then hypervisor kernel modules, then /dev/kvm. Its rarer probes (VServer, s390, dmidecode)
 * are not made.
 */
function virtualFacts(tags: Map<string, string[]>): Record<string, unknown> {
  const guest = new Set<string>();
  const host = new Set<string>();
  let found: { type: string; role: string } | undefined;
  const add = (tech: string, role = 'guest'): void => {
    (role === 'host' ? host : guest).add(tech);
    found ??= { type: tech, role };
  };
  for (const line of tags.get('cgroup') ?? []) {
    if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(line)) add('docker');
    if (/\/lxc\/|\/machine.slice\/machine-lxc/.test(line)) add('lxc');
    if (/\/system.slice\/containerd.service/.test(line)) add('containerd');
  }
  for (const line of tags.get('environ') ?? []) {
    if (line.includes('container=lxc')) add('lxc');
    if (line.includes('container=podman')) add('podman');
    if (/^container=./.test(line)) add('container');
  }
  const systemdContainer = (tags.get('systemd_container') ?? [''])[0].trim();
  if (systemdContainer) add(systemdContainer);
  if (tags.has('dockerenv')) add('docker');
  if ([...guest].some((tech) => ['docker', 'lxc', 'podman', 'openvz', 'containerd'].includes(tech)) || systemdContainer) guest.add('container');
  const xen = tags.get('xen')?.[0];
  if (xen !== undefined) add('xen', Number(xen) > 0 ? 'host' : 'guest');
  const dmi = keyValues(tags.get('dmi') ?? [], '\t');
  for (const [field, values, tech] of DMI_RULES) if (values.includes(dmi.get(field) ?? '')) add(tech);
  if (dmi.get('sys_vendor') === 'Red Hat') {
    if (dmi.get('product_family') === 'RHV') add('RHV');
    else if (dmi.get('product_name') === 'RHEV Hypervisor') add('RHEV');
  }
  const modules = new Set(tags.get('module') ?? []);
  if (modules.has('kvm')) add('kvm', 'host');
  if (modules.has('vboxdrv')) add('virtualbox', 'host');
  if (modules.has('virtio')) add('kvm');
  // A machine that can run KVM guests, whether its kernel has kvm as a module or built in (no /proc/modules).
  if (tags.has('devkvm')) add('kvm', 'host');
  return {
    virtualization_type: found?.type ?? 'NA',
    virtualization_role: found?.role ?? 'NA',
    virtualization_tech_guest: [...guest].sort(),
    virtualization_tech_host: [...host].sort(),
  };
}

/** Ansible's date_time facts from `date` on the host (local time and zone) and the epoch (UTC forms). */
function dateTimeFacts(lines: string[]): Record<string, string> {
  if (lines.length === 0) return {};
  const [epoch, nanos, date, time, tz, offset, weekday, weekdayNumber, weeknumber] = lines[0].split('\t');
  const micro = nanos.slice(0, 6);
  const [year, month, day] = date.split('-');
  const [hour, minute, second] = time.split(':');
  const utc = new Date(Number(epoch) * 1000).toISOString().replace(/\.\d+Z$/, '');
  // time.tzname[1]: of midwinter and midsummer, the name with the larger offset (the DST one), else the only one.
  const [winter, summer] = lines.slice(1).map((line) => ({ name: line.split('\t')[4], offset: Number(line.split('\t')[5]) }));
  const dst = winter && summer ? (summer.offset >= winter.offset ? summer.name : winter.name) : tz;
  return {
    date,
    day,
    epoch,
    epoch_int: epoch,
    hour,
    iso8601: `${utc}Z`,
    iso8601_basic: `${year}${month}${day}T${hour}${minute}${second}${micro}`,
    iso8601_basic_short: `${year}${month}${day}T${hour}${minute}${second}`,
    iso8601_micro: `${utc}.${micro}Z`,
    minute,
    month,
    second,
    time,
    tz,
    tz_dst: dst,
    tz_offset: offset,
    weekday,
    weekday_number: weekdayNumber,
    weeknumber,
    year,
  };
}

function pythonFacts(executable: string | undefined, version: string | undefined): Record<string, unknown> {
  if (!executable) return {};
  const python: Record<string, unknown> = { executable, type: 'cpython', has_sslcontext: true };
  if (!version) return { python };
  const [major, minor, micro, releaselevel, serial] = version.split('\t');
  python.version = { major: Number(major), minor: Number(minor), micro: Number(micro), releaselevel, serial: Number(serial) };
  python.version_info = [Number(major), Number(minor), Number(micro), releaselevel, Number(serial)];
  return { python, python_version: `${major}.${minor}.${micro}` };
}

/**
 * Ansible's selinux facts: it reads them through libselinux (present on every Debian, so
 * `selinux_python_present` is true); enforcing or permissive from selinuxfs.
 */
function selinuxFacts(line: string | undefined): Record<string, unknown> {
  if (line === undefined) return {};
  const [status, enforce] = line.split('\t');
  return { selinux: status === 'enabled' ? { status, mode: enforce === '1' ? 'enforcing' : 'permissive' } : { status }, selinux_python_present: true };
}

/** From /proc/self/status's `Uid:`/`Gid:` (real, effective, ...) and the passwd entry; the name as Python's getpass.getuser(). */
function userFacts(tags: Map<string, string[]>, env: Record<string, string>): Record<string, unknown> {
  const uids = tags.get('Uid')?.[0]?.trim().split(/\s+/).map(Number);
  const gids = tags.get('Gid')?.[0]?.trim().split(/\s+/).map(Number);
  if (!uids || !gids) return {};
  const [realUid, uid] = uids;
  const [realGid, gid] = gids;
  const passwd = tags.get('passwd')?.[0];
  const [pwName, , , pwGid, gecos, dir, shell] = (passwd ?? '').split(':');
  return {
    user_id: env.LOGNAME || env.USER || pwName || String(uid),
    user_uid: uid,
    user_gid: passwd ? Number(pwGid) : gid,
    ...(passwd ? { user_gecos: gecos.split(',')[0], user_dir: dir, user_shell: shell } : {}),
    real_user_id: realUid,
    effective_user_id: uid,
    real_group_id: realGid,
    effective_group_id: gid,
  };
}

/**
 * Ansible's lsb facts, which it takes from `lsb_release -a`: on Debian that program reads os-release,
 * so the same values come from there without starting it (a Python program, slow). Empty where it
 * is not installed (a minbase Debian), as in Ansible.
 */
function lsbFacts(installed: boolean, os: Map<string, string>): Record<string, string> {
  if (!installed) return {};
  const release = os.get('VERSION_ID') ?? '';
  return {
    id: os.get('NAME')?.split(' ')[0] ?? '',
    description: os.get('PRETTY_NAME') ?? '',
    release,
    codename: os.get('VERSION_CODENAME') ?? '',
    major_release: release.split('.')[0],
  };
}

const SERVICE_MANAGERS: Record<string, string> = { systemd: 'systemd', upstart: 'upstart', runit: 'runit', 'openrc-init': 'openrc' };

/**
 * The facts as Ansible names them (without the `ansible_` prefix). Only the facts of the subsets
 * whose lines are present are set, so a partial gathering adds to the facts already known.
 */
export function parseFacts(stdout: string): Facts {
  const tags = byTag(stdout);
  const one = (tag: string): string | undefined => tags.get(tag)?.[0];
  const os = new Map<string, string>();
  for (const line of tags.get('os') ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) os.set(line.slice(0, eq), unquote(line.slice(eq + 1)));
  }
  const id = os.get('ID') ?? '';
  const distribution = os.get('NAME')?.split(' ')[0] ?? id;
  const isDebian = id === 'debian';
  // Through the distro library where the host has it (see PYTHON_PROBE), else os-release's VERSION_ID.
  const version = one('distro_version') || (os.get('VERSION_ID') ?? '');
  const uname = (one('uname') ?? '').split(' ');
  const [system = '', nodename = '', kernel = ''] = uname;
  const machine = uname.length > 3 ? uname[uname.length - 1] : '';
  const fqdn = one('pyfqdn') || one('fqdn') || nodename;
  const initName = one('service_mgr') ?? '';
  const env = Object.fromEntries(keyValues(tags.get('env') ?? [], '='));
  const facts: Facts = {
    hostname: nodename.split('.')[0],
    nodename,
    fqdn,
    domain: fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : '',
    system,
    kernel,
    kernel_version: uname.slice(3, -1).join(' '),
    machine,
    architecture: machine,
    os_family: isDebian || (os.get('ID_LIKE') ?? '').split(' ').includes('debian') ? 'Debian' : distribution,
    distribution,
    distribution_release: os.get('VERSION_CODENAME') ?? '',
    distribution_version: version,
    distribution_major_version: version.split('.')[0],
    service_mgr: SERVICE_MANAGERS[initName] ?? (initName === '' || initName === 'init' || initName.endsWith('sh') ? 'service' : initName),
    pkg_mgr: PKG_MGR[one('pkg') ?? ''] ?? 'unknown',
    env,
    date_time: dateTimeFacts(tags.get('date') ?? []),
    lsb: lsbFacts(tags.has('lsb_release'), os),
    ...pythonFacts(one('python'), one('pyver')),
    ...selinuxFacts(one('selinux')),
    ...userFacts(tags, env),
  };
  const minor = isDebian ? /^\d+\.(\d+)/.exec(one('debian_version') ?? '')?.[1] : version.split('.')[1];
  if (minor !== undefined) facts.distribution_minor_version = minor;
  if (tags.has('nproc')) Object.assign(facts, cpuFacts(tags.get('cpu') ?? [], Number(one('nproc')), machine), memoryFacts(tags.get('mem') ?? []), { mounts: mountFacts(tags) });
  if (tags.has('link') || tags.has('addr')) Object.assign(facts, networkFacts(tags));
  if (tags.has('systemd_container')) Object.assign(facts, virtualFacts(tags));
  return facts;
}
