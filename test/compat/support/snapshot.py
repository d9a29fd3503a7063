"""What a role can leave on a host, one line per thing, sorted: run as root on a lab host, with
the paths the run's results named as arguments (those outside ROOTS are added).

  path <path>\t<type> <mode> <owner>:<group> <sha256 | -> link target>
  package <name>\t<version> <status>
  enabled <unit file>\t<state>
  running <unit>\trunning

Volatile things no role manages (host keys, caches, logs, apt lists, Ansible's remote temp
directory...) are left out, so that two twins that ran the same role give the same lines.
"""
import grp
import hashlib
import os
import pwd
import re
import stat
import subprocess
import sys

ROOTS = ['/etc', '/usr/local', '/root', '/home', '/var/lib', '/var/spool', '/srv', '/opt']
# Full paths, or directories whose whole subtree is left out.
SKIP = re.compile(
    r'^(/etc/machine-id|/etc/ssh/ssh_host_.*|/etc/ld\.so\.cache|/etc/\.pwd\.lock|/etc/resolv\.conf'
    r'|/etc/shadow-|/etc/gshadow-|/etc/passwd-|/etc/group-|/etc/subuid-|/etc/subgid-'
    r'|/var/lib/dpkg/(status|status-old|available|available-old|lock.*|triggers/Lock|diversions-old|statoverride-old)'
    r'|/var/lib/apt/(lists|periodic|extended_states)(/.*)?|/var/lib/systemd/(random-seed|timers|catalog|deb-systemd-.*|coredump|linger|pstore)(/.*)?'
    r'|/var/lib/private(/.*)?|/var/lib/logrotate(/.*)?|/var/lib/ucf/(hashfile|registry)\.\d+|/var/lib/dhcp(/.*)?'
    r'|/var/lib/sudo(/.*)?|/var/lib/lastlog|/var/lib/wtmp|/var/spool/postfix/pid(/.*)?'
    r'|/var/(spool|lib)/rsyslog/imjournal\.state|/var/lib/ntpsec/ntp\.drift|/var/lib/fail2ban/fail2ban\.sqlite3|/var/spool/exim4/(db|input|msglog)(/.*)?'
    r'|(/root|/home/[^/]+)/(\.ansible|\.cache|\.bash_history|\.lesshst|\.sudo_as_admin_successful|\.python_history)(/.*)?)$'
)
# A login's own units, and the ones systemd starts at random moments.
VOLATILE_UNIT = re.compile(r'^(session-.*\.scope|user@\d+\.service|user-runtime-dir@\d+\.service|user-\d+\.slice|apt-daily.*|man-db\..*|e2scrub.*|fstrim\..*|dpkg-db-backup\..*)$')


def name_of(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


# A backup's name holds the moment (and Ansible's its pid); pamd stamps the file it rewrites with the
# time. Both differ between any two runs, so they are compared without them.
BACKUP_NAME = re.compile(r"\.(\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d{6}\.\w+)~$")
TIME_STAMP_LINE = re.compile(rb'^# Updated by Ansible - .*\n', re.M)


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(TIME_STAMP_LINE.sub(b'# Updated by Ansible - <time>\n', f.read())).hexdigest()


def describe(path, st):
    ident = f'{stat.S_IMODE(st.st_mode):04o} {name_of(pwd.getpwuid, st.st_uid)}:{name_of(grp.getgrgid, st.st_gid)}'
    if stat.S_ISLNK(st.st_mode):
        return f'link {ident} -> {os.readlink(path)}'
    if stat.S_ISDIR(st.st_mode):
        return f'dir {ident}'
    if stat.S_ISREG(st.st_mode):
        return f'file {ident} {sha256(path)}'
    return f'other {ident}'


def extra_paths():
    for path in sys.argv[1:]:
        try:
            yield f'path {BACKUP_NAME.sub(".<backup>~", path)}\t{describe(path, os.lstat(path))}'
        except FileNotFoundError:
            pass


def paths():
    for root in ROOTS:
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not SKIP.match(os.path.join(top, d))]
            for name in [*dirs, *files]:
                path = os.path.join(top, name)
                if SKIP.match(path):
                    continue
                try:
                    yield f'path {BACKUP_NAME.sub(".<backup>~", path)}\t{describe(path, os.lstat(path))}'
                except FileNotFoundError:
                    pass


def command(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()


def units():
    for line in command(['dpkg-query', '-W', '-f', '${Package}\t${Version} ${Status}\n']):
        yield f'package {line}'
    for line in command(['systemctl', 'list-unit-files', '--state=enabled', '--no-legend', '--plain']):
        unit, state = line.split()[:2]
        if not VOLATILE_UNIT.match(unit):
            yield f'enabled {unit}\t{state}'
    for line in command(['systemctl', 'list-units', '--state=running', '--no-legend', '--plain']):
        unit = line.split()[0]
        if not VOLATILE_UNIT.match(unit):
            yield f'running {unit}\trunning'


print('\n'.join(sorted({*paths(), *extra_paths(), *units()})))
