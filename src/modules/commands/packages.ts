/** One line per package dpkg knows: name, version, architecture, section, status. */
export const DPKG_PACKAGES_COMMAND = `dpkg-query -W -f '\${Package}\\t\${Version}\\t\${Architecture}\\t\${Section}\\t\${db:Status-Status}\\n'`;

/** One installed package as Ansible's package_facts reports it for apt. */
export interface PackageFact {
  name: string;
  version: string;
  arch: string;
  category?: string;
  source: 'apt';
}

/**
 * dpkg-query's lines → Ansible's `packages` fact: name → every installed version (one per
 * architecture for a multi-arch package). Packages removed but with config files left are not
 * installed, so not listed, as with Ansible's apt backend. dpkg knows no origin (the archive a
 * package came from), so `origin` is left out rather than guessed.
 */
export function parseDpkgPackages(stdout: string): Record<string, PackageFact[]> {
  const packages: Record<string, PackageFact[]> = {};
  for (const line of stdout.split('\n')) {
    const [name, version, arch, section, status] = line.split('\t');
    if (!name || status !== 'installed') continue;
    const fact: PackageFact = { name, version: version ?? '', arch: arch ?? '', ...(section ? { category: section } : {}), source: 'apt' };
    (packages[name] ??= []).push(fact);
  }
  return packages;
}
