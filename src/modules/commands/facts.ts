import type { Facts } from '../module';

/** The groups of facts `gather_subset` selects, by Ansible's names; `min` is always gathered. */
export type FactSubset = 'min' | 'hardware' | 'network';

/** The facts of each optional subset (every other fact is `min`). */
export const SUBSET_FACTS: Record<Exclude<FactSubset, 'min'>, (keyof Facts)[]> = {
  hardware: ['processor_count', 'memtotal_mb'],
  network: ['ipv4', 'default_ipv4'],
};

const SUBSET_COMMANDS: Record<FactSubset, string[]> = {
  min: [
    `printf 'hostname\\t%s\\n' "$(cat /proc/sys/kernel/hostname)"`,
    `printf 'fqdn\\t%s\\n' "$(hostname -f 2>/dev/null || cat /proc/sys/kernel/hostname)"`,
    `sed 's/^/os\\t/' /etc/os-release 2>/dev/null`,
    `printf 'debian_version\\t%s\\n' "$(cat /etc/debian_version 2>/dev/null)"`,
    `printf 'machine\\t%s\\n' "$(uname -m)"`,
    `printf 'kernel\\t%s\\n' "$(uname -r)"`,
    `printf 'init\\t%s\\n' "$(cat /proc/1/comm 2>/dev/null)"`,
    `for m in apt-get dnf yum apk; do if command -v $m >/dev/null 2>&1; then printf 'pkg\\t%s\\n' $m; break; fi; done`,
    `printf 'python\\t%s\\n' "$(command -v python3 || true)"`,
  ],
  hardware: [
    `printf 'nproc\\t%s\\n' "$(nproc)"`,
    `sed -n 's/^MemTotal: *\\([0-9]*\\) kB/memtotal_kb\\t\\1/p' /proc/meminfo`,
  ],
  network: [
    `ip -o -4 addr show scope global 2>/dev/null | sed 's/^/addr\\t/'`,
    `ip -o -4 route show default 2>/dev/null | sed 's/^/route\\t/'`,
  ],
};

/**
 * One shell script that prints the facts of the given subsets as tagged lines (parsing stays on the
 * controller, so the host needs nothing beyond coreutils, sed and iproute2, which even a minbase
 * Debian has).
 */
export function factsCommand(subsets: ReadonlySet<FactSubset>): string {
  return (Object.keys(SUBSET_COMMANDS) as FactSubset[])
    .filter((subset) => subset === 'min' || subsets.has(subset))
    .flatMap((subset) => SUBSET_COMMANDS[subset])
    .join('\n');
}

export const FACTS_COMMAND = factsCommand(new Set(['min', 'hardware', 'network']));

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

const PKG_MGR: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', apk: 'apk' };

export function parseFacts(stdout: string): Facts {
  const os = new Map<string, string>();
  const single = new Map<string, string>();
  const addresses: { dev: string; ip: string }[] = [];
  let defaultDev: string | undefined;
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const tag = line.slice(0, tab);
    const value = line.slice(tab + 1);
    if (tag === 'os') {
      const eq = value.indexOf('=');
      if (eq > 0) os.set(value.slice(0, eq), unquote(value.slice(eq + 1)));
    } else if (tag === 'addr') {
      const match = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(value);
      if (match) addresses.push({ dev: match[1], ip: match[2] });
    } else if (tag === 'route') {
      defaultDev ??= /\bdev\s+(\S+)/.exec(value)?.[1];
    } else single.set(tag, value);
  }
  const id = os.get('ID') ?? '';
  const distribution = os.get('NAME')?.split(' ')[0] ?? id;
  const isDebian = id === 'debian';
  const facts: Facts = {
    hostname: single.get('hostname') ?? '',
    fqdn: single.get('fqdn') ?? '',
    os_family: isDebian || (os.get('ID_LIKE') ?? '').split(' ').includes('debian') ? 'Debian' : distribution,
    distribution,
    distribution_release: os.get('VERSION_CODENAME') ?? '',
    distribution_version: (isDebian ? single.get('debian_version') : undefined) || (os.get('VERSION_ID') ?? ''),
    architecture: single.get('machine') ?? '',
    kernel: single.get('kernel') ?? '',
    ipv4: addresses.map((a) => a.ip),
    processor_count: Number(single.get('nproc')) || 1,
    memtotal_mb: Math.floor(Number(single.get('memtotal_kb') ?? 0) / 1024),
    init_system: single.get('init') ?? '',
    pkg_mgr: PKG_MGR[single.get('pkg') ?? ''] ?? 'unknown',
  };
  const defaultIpv4 = addresses.find((a) => a.dev === defaultDev)?.ip ?? addresses[0]?.ip;
  if (defaultIpv4 !== undefined) facts.default_ipv4 = defaultIpv4;
  const python = single.get('python');
  if (python) facts.python = python;
  return facts;
}
