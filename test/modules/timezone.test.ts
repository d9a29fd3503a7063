import { editEtcTimezone, parseTimedatectl, parseTimezoneProbe, zoneFromFiles } from '../../src/modules/commands/timezone';
import { getModule } from '../../src/modules';

const STATUS = `               Local time: Sun 2026-12-06 22:18:44 CET
           Universal time: Sun 2026-12-06 21:18:44 UTC
                 RTC time: n/a
                Time zone: Europe/Paris (CET, +0100)
System clock synchronized: no
              NTP service: n/a
          RTC in local TZ: no
`;

describe('timezone decisions', () => {
  it('reads the zone and RTC mode from timedatectl status, as Ansible does', () => {
    expect(parseTimedatectl(STATUS)).toEqual({ name: 'Europe/Paris', hwclock: 'UTC' });
    expect(parseTimedatectl(STATUS.replace('RTC in local TZ: no', 'RTC in local TZ: yes')).hwclock).toBe('local');
  });

  it('without timedatectl, /etc/timezone names the zone unless /etc/localtime points elsewhere', () => {
    const probe = (etc: string | undefined, link?: string, ok = true) =>
      parseTimezoneProbe(
        [
          'zone\tok',
          etc === undefined ? '' : `etc-timezone\t${Buffer.from(etc).toString('base64')}`,
          link === undefined ? '' : `link\t${ok ? 'ok' : 'broken'}\t${link}`,
          'dpkg-reconfigure\tyes',
        ].join('\n'),
      );
    expect(zoneFromFiles(probe('Etc/UTC\n', '/usr/share/zoneinfo/Etc/UTC'), 'Europe/Paris')).toBe('Etc/UTC');
    expect(zoneFromFiles(probe('Europe/Paris\n', '/usr/share/zoneinfo/Etc/UTC'), 'Europe/Paris')).toBe('Etc/UTC');
    expect(zoneFromFiles(probe('Europe/Paris\n', '../usr/share/zoneinfo/Europe/Paris'), 'Europe/Paris')).toBe('Europe/Paris');
    expect(zoneFromFiles(probe('Europe/Paris\n', '/nowhere', false), 'Europe/Paris')).toBe('n/a');
    expect(zoneFromFiles(probe(undefined), 'Europe/Paris')).toBe('n/a');
    expect(zoneFromFiles(probe('Europe/Paris\n'), 'Europe/Paris')).toBe('n/a');
  });

  it('writes the zone on the first line naming one and drops the others', () => {
    expect(editEtcTimezone('Etc/UTC\n', 'Europe/Paris')).toBe('Europe/Paris\n');
    expect(editEtcTimezone('\nEtc/UTC\nAmerica/New_York\n', 'Europe/Paris')).toBe('\nEurope/Paris\n');
    expect(editEtcTimezone('', 'Europe/Paris')).toBe('Europe/Paris\n');
  });

  it('needs name or hwclock, and takes rtc as hwclock', () => {
    const tz = getModule('community.general.timezone');
    expect(() => tz?.args.parse({})).toThrow(/one of the following is required: hwclock, name/);
    expect(tz?.aliases).toEqual({ rtc: 'hwclock' });
    expect(() => tz?.args.parse({ hwclock: 'utc' })).toThrow();
  });
});
