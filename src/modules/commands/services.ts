/**
 * systemd's service units, then its unit files, in one round trip: tagged sections, and whether
 * list-units worked (it fails on a host not booted with systemd).
 */
export const SYSTEMD_SERVICES_COMMAND = [
  `echo '#units'`,
  `systemctl list-units --type=service --all --no-legend --plain --no-pager 2>/dev/null || echo '#units-failed'`,
  `echo '#unit-files'`,
  `systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null`,
  'true',
].join('\n');

export interface ServiceFact {
  name: string;
  state: string;
  status: string;
  source: 'systemd';
}

/** Ansible's: a unit in one of these keeps it as its status, whatever its unit file says. */
const BAD_STATES = new Set(['not-found', 'masked', 'failed']);

/**
 * Ansible's service_facts on systemd: from list-units, `state` is running when the unit's SUB
 * is running and stopped otherwise, `status` its ACTIVE (or a bad LOAD/ACTIVE state); then every
 * unit file adds the units not loaded (state inactive, as `systemctl show` says of them) and
 * gives the loaded ones its enablement (enabled, disabled, static...). Undefined when systemd is
 * not running.
 */
export function parseSystemdServices(stdout: string): Record<string, ServiceFact> | undefined {
  const services: Record<string, ServiceFact> = {};
  let section = '';
  for (const line of stdout.split('\n')) {
    if (line === '#units-failed') return undefined;
    if (line.startsWith('#')) {
      section = line;
      continue;
    }
    const fields = line.replace(/^\s*[●*]\s*/, '').trim().split(/\s+/);
    if (!fields[0]?.endsWith('.service')) continue;
    const [name, second = '', active = '', sub = ''] = fields;
    if (section === '#units') {
      const bad = [second, active, sub].find((value) => BAD_STATES.has(value));
      services[name] = { name, state: sub === 'running' ? 'running' : 'stopped', status: bad ?? active, source: 'systemd' };
    } else if (section === '#unit-files') {
      const known = services[name];
      if (!known) services[name] = { name, state: 'inactive', status: second, source: 'systemd' };
      else if (!BAD_STATES.has(known.status)) known.status = second;
    }
  }
  return services;
}
