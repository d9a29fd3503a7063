import { argv, q } from '../support/shell';

export const ZONEINFO = '/usr/share/zoneinfo';

/**
 * What the timezone module needs to decide, in one round trip: whether `timedatectl` works here
 * (Ansible picks its systemd implementation exactly when it does), its status, and the files Debian
 * keeps the zone in underneath (/etc/timezone, the /etc/localtime link).
 */
export function timezoneProbeCommand(name: string | undefined): string {
  const zone = name === undefined ? '' : `${ZONEINFO}/${name}`;
  return [
    `z=${q(zone)}`,
    `if [ -n "$z" ] && [ -f "$z" ]; then echo 'zone\tok'; fi`,
    `if command -v timedatectl >/dev/null 2>&1 && timedatectl >/dev/null 2>&1; then printf 'timedatectl\\t%s\\n' "$(timedatectl status | base64 -w0)"; fi`,
    `if [ -f /etc/timezone ]; then printf 'etc-timezone\\t%s\\n' "$(base64 -w0 < /etc/timezone)"; fi`,
    `if [ -L /etc/localtime ]; then printf 'link\\t%s\\t%s\\n' "$([ -e /etc/localtime ] && echo ok || echo broken)" "$(readlink /etc/localtime)"; fi`,
    `if [ -n "$z" ] && cmp -s /etc/localtime "$z"; then echo 'same\tyes'; fi`,
    `if command -v dpkg-reconfigure >/dev/null 2>&1; then echo 'dpkg-reconfigure\tyes'; fi`,
  ].join('\n');
}

export interface TimezoneProbe {
  zoneExists: boolean;
  /** `timedatectl status` output, when timedatectl works on the host. */
  timedatectl?: string;
  /** /etc/timezone's content, when the file exists. */
  etcTimezone?: string;
  link?: { ok: boolean; target: string };
  /** /etc/localtime has the same bytes as the wanted zone's file. */
  sameAsZone: boolean;
  dpkgReconfigure: boolean;
}

export function parseTimezoneProbe(stdout: string): TimezoneProbe {
  const tags = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [tag, ...rest] = line.split('\t');
    if (rest.length > 0) tags.set(tag, rest);
  }
  const decode = (tag: string) => (tags.has(tag) ? Buffer.from(tags.get(tag)?.[0] ?? '', 'base64').toString('utf8') : undefined);
  const link = tags.get('link');
  return {
    zoneExists: tags.has('zone'),
    timedatectl: decode('timedatectl'),
    etcTimezone: decode('etc-timezone'),
    link: link ? { ok: link[0] === 'ok', target: link.slice(1).join('\t') } : undefined,
    sameAsZone: tags.has('same'),
    dpkgReconfigure: tags.has('dpkg-reconfigure'),
  };
}

/** The zone and RTC mode `timedatectl status` reports, as Ansible reads them (hwclock as 'local'/'UTC'). */
export function parseTimedatectl(status: string): { name?: string; hwclock?: 'local' | 'UTC' } {
  const name = /^\s*Time ?zone\s*:\s*(\S+)/m.exec(status)?.[1];
  const rtc = /^\s*RTC in local TZ\s*:\s*(\S+)/m.exec(status)?.[1];
  return { name, hwclock: rtc === undefined ? undefined : ['yes', 'true', 'on', '1'].includes(rtc.toLowerCase()) ? 'local' : 'UTC' };
}

/**
 * The zone without timedatectl, as Ansible's NosystemdTimezone reads it on Debian: /etc/timezone's
 * first word, unless /etc/localtime says otherwise ('n/a' when neither can tell).
 */
export function zoneFromFiles(probe: TimezoneProbe, planned: string): string {
  if (probe.etcTimezone === undefined) return 'n/a';
  const value = /^(\S+)/m.exec(probe.etcTimezone)?.[1] ?? 'n/a';
  if (value !== planned) return value;
  if (probe.link) {
    if (!probe.link.ok) return 'n/a';
    const linked = /(?:\/(?:usr\/share|etc)\/zoneinfo\/)(.*)/.exec(probe.link.target)?.[1];
    return linked === undefined ? 'n/a' : linked;
  }
  return probe.sameAsZone ? value : 'n/a';
}

/** /etc/timezone with the zone on the first line that names one (the others that do dropped), as Ansible's _edit_file writes it. */
export function editEtcTimezone(content: string, name: string): string {
  const lines = content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const matching = lines.map((line, i) => (/^\S/.test(line) ? i : -1)).filter((i) => i >= 0);
  const kept = lines.filter((_, i) => !matching.includes(i));
  kept.splice(matching[0] ?? 0, 0, `${name}\n`);
  return kept.join('');
}

export function setTimezoneCommand(name: string): string {
  return argv('timedatectl', 'set-timezone', name);
}

export function setLocalRtcCommand(hwclock: 'local' | 'UTC'): string {
  return argv('timedatectl', 'set-local-rtc', hwclock === 'local' ? 'yes' : 'no');
}

/** Debian without a working timedatectl: point /etc/localtime at the zone and let tzdata settle the rest. */
export function linkLocaltimeCommand(name: string): string {
  return `${argv('ln', '-sf', `${ZONEINFO}/${name}`, '/etc/localtime')} && ${argv('dpkg-reconfigure', '--frontend', 'noninteractive', 'tzdata')}`;
}
