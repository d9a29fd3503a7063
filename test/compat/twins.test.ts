import { parseSnapshot, twinDifferences } from './support/twins';

const snap = (...lines: string[]) => parseSnapshot(lines.join('\n'));
const BASE = ['path /etc/hostname\tfile 0644 root:root aaa', 'path /etc/ssh/sshd_config\tfile 0644 root:root s1', 'package openssh-server\t1:9.2 install ok installed'];

describe('comparing twin hosts through their snapshots', () => {
  test('only what changed on either host is compared', () => {
    // The hostname differs between twins from the start; no role touched it, so it is no difference.
    const ansible = { before: snap(...BASE), after: snap(...BASE.slice(1), 'path /etc/hostname\tfile 0644 root:root aaa', 'path /etc/x.conf\tfile 0644 root:root x1') };
    const playBase = ['path /etc/hostname\tfile 0644 root:root bbb', ...BASE.slice(1)];
    const play = { before: snap(...playBase), after: snap(...playBase, 'path /etc/x.conf\tfile 0644 root:root x1') };
    expect(twinDifferences(ansible, play)).toEqual([]);
  });

  test('content, mode, owner, a missing file, a package and a unit are each named', () => {
    const before = snap(...BASE);
    const ansible = {
      before,
      after: snap(...BASE, 'path /etc/a\tfile 0644 root:root x1', 'path /etc/b\tfile 0600 root:root y', 'path /etc/c\tdir 0755 root:root', 'package iptables\t1.8 install ok installed', 'enabled fail2ban.service\tenabled'),
    };
    const play = { before, after: snap(...BASE, 'path /etc/a\tfile 0644 root:root x2', 'path /etc/b\tfile 0644 root:adm y', 'package iptables\t1.8 install ok installed') };
    expect(twinDifferences(ansible, play)).toEqual([
      'enabled fail2ban.service: ansible enabled | play (absent)',
      'path /etc/a: ansible file 0644 root:root x1 | play file 0644 root:root x2',
      'path /etc/b: ansible file 0600 root:root y | play file 0644 root:adm y',
      'path /etc/c: ansible dir 0755 root:root | play (absent)',
    ]);
  });

  test('a change made by one tool only is a difference, also when it removes something', () => {
    const before = snap(...BASE);
    const ansible = { before, after: snap(...BASE.slice(0, 2)) };
    expect(twinDifferences(ansible, { before, after: before })).toEqual(['package openssh-server: ansible (absent) | play 1:9.2 install ok installed']);
  });

  test('a line that is not a snapshot line is refused', () => {
    expect(() => snap('garbage without a tab')).toThrow('not a snapshot line: "garbage without a tab"');
  });
});
