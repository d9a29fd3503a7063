import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { escapeFstab, parseMountinfo, setMount, unsetMount, type FstabEntry } from '../../src/modules/commands/fstab';
import { getModule } from '../../src/modules';

/**
 * ansible.posix.mount's own fstab functions (installed here with ansible-core) are the oracle: in
 * check mode they compute the lines they would write; the same fstab and task must give the same text.
 */
const ORACLE = `
import json, sys
import ansible_collections.ansible.posix.plugins.modules.mount as m
req = json.load(sys.stdin)
written = {}
m.write_fstab = lambda module, lines, path: written.setdefault('text', ''.join(lines)) and ''
class M:
    check_mode = False
    params = {'backup': False}
args = dict(req['args'])
if req['op'] == 'set':
    name, changed = m.set_mount(M(), args)
else:
    name, changed = m.unset_mount(M(), args)
print(json.dumps({'changed': changed, 'text': written.get('text')}))
`;
const PYTHON = '/usr/bin/python3';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fstab-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ansible(op: 'set' | 'unset', fstab: string, entry: Partial<FstabEntry>): { changed: boolean; text: string | null } {
  const file = path.join(dir, `fstab-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, fstab);
  const args = { opts: 'defaults', dump: '0', passno: '0', ...entry, fstab: file, boot: 'yes', warnings: [] };
  return JSON.parse(execFileSync(PYTHON, ['-c', ORACLE], { input: JSON.stringify({ op, args }) }).toString());
}

const FSTAB = [
  '# /etc/fstab: static file system information.',
  'UUID=abcd / ext4 errors=remount-ro 0 1',
  '',
  '/swapfile none swap sw 0 0',
  '/old-swap none swap sw 0 0',
  'tmpfs /mnt/scratch tmpfs size=10m',
  '/dev/sdb1  /srv/data  ext4  defaults  0  2',
].join('\n');

describe('mount: fstab edits match ansible.posix.mount', () => {
  const cases: [string, 'set' | 'unset', Partial<FstabEntry> & { name: string }][] = [
    ['adds a swap file (the swap role)', 'set', { name: 'none', src: '/swapfile2', fstype: 'swap', opts: 'sw' }],
    ['keeps a swap entry that is already there', 'set', { name: 'none', src: '/swapfile', fstype: 'swap', opts: 'sw' }],
    ['removes one swap entry, found by its source', 'unset', { name: 'none', src: '/old-swap' }],
    ['rewrites an entry whose options differ', 'set', { name: '/srv/data', src: '/dev/sdb1', fstype: 'ext4', opts: 'noatime' }],
    ['completes a four-field entry with dump and passno', 'set', { name: '/mnt/scratch', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=10m' }],
    ['escapes spaces in the mount point', 'set', { name: '/mnt/my disk', src: '/dev/sdc1', fstype: 'ext4' }],
    ['leaves a four-field entry when removing (only six-field lines count)', 'unset', { name: '/mnt/scratch' }],
    ['removes a regular entry', 'unset', { name: '/srv/data' }],
  ];
  it.each(cases)('%s', (_, op, entry) => {
    const full: FstabEntry = { opts: 'defaults', dump: '0', passno: '0', ...entry };
    const ours = op === 'set' ? setMount(FSTAB, full) : unsetMount(FSTAB, entry.name, entry.src);
    const theirs = ansible(op, FSTAB, entry);
    expect({ changed: ours.changed, text: ours.changed ? ours.content : null }).toEqual(theirs);
  });

  it('adds the swap role line with a final newline after a file that lacked one', () => {
    expect(setMount('a b c d 0 0', { name: 'none', src: '/swapfile', fstype: 'swap', opts: 'sw', dump: '0', passno: '0' }).content).toBe('a b c d 0 0\n/swapfile none swap sw 0 0\n');
    expect(escapeFstab('a b&c\\d')).toBe('a\\040b\\046c\\134d');
  });
});

describe('mount: arguments and mount table', () => {
  const schema = getModule('mount')?.args;
  it('requires src and fstype for present, as Ansible does', () => {
    expect(() => schema?.parse({ path: '/mnt/x', state: 'present', src: 'tmpfs' })).toThrow(/state is present but all of the following are missing: fstype/);
    expect(schema?.parse({ path: 'none', state: 'absent', src: '/swapfile' })).toMatchObject({ dump: '0', passno: '0', boot: true });
    expect(schema?.parse({ path: '/m', state: 'present', src: 's', fstype: 't', dump: 1, passno: 2 })).toMatchObject({ dump: '1', passno: '2' });
  });

  it('reads mount points from /proc/self/mountinfo, decoding escapes', () => {
    const info = '36 35 98:0 / /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n37 1 0:42 / /tmp rw shared:2 - tmpfs tmpfs rw';
    const mounts = parseMountinfo(info);
    expect(mounts.get('/mnt/my disk')).toEqual({ src: '/dev/root', fstype: 'ext3', opts: 'rw,noatime' });
    expect(mounts.get('/tmp')?.fstype).toBe('tmpfs');
  });
});
