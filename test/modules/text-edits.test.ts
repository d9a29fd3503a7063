import { editBlock, type BlockEdit } from '../../src/modules/support/block-edit';
import { editLine } from '../../src/modules/support/line-edit';
import { editAuthorizedKeys, keyIdentity } from '../../src/modules/support/authorized-keys';

describe('lineinfile decision (editLine)', () => {
  const conf = 'PermitRootLogin yes\n#Port 22\nUsePAM yes\n';

  it('replaces the last line matching regexp, and is idempotent', () => {
    const once = editLine(conf, { state: 'present', regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' });
    expect(once).toBe('PermitRootLogin no\n#Port 22\nUsePAM yes\n');
    expect(editLine(once, { state: 'present', regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' })).toBe(once);
  });

  it('appends at EOF when nothing matches, adding the missing final newline', () => {
    expect(editLine('a\nb', { state: 'present', line: 'c' })).toBe('a\nb\nc\n');
    expect(editLine('', { state: 'present', line: 'c' })).toBe('c\n');
  });

  it('does not add a line that is already there, even when regexp does not match it', () => {
    expect(editLine('x=1\n', { state: 'present', regexp: '^nomatch', line: 'x=1' })).toBe('x=1\n');
  });

  it('inserts after the last match of insertafter, before the match of insertbefore, at BOF', () => {
    expect(editLine('[a]\nk=1\n[b]\n', { state: 'present', line: 'n=2', insertafter: '^\\[a\\]' })).toBe('[a]\nn=2\nk=1\n[b]\n');
    expect(editLine('[a]\nk=1\n[b]\n', { state: 'present', line: 'n=2', insertbefore: '^\\[b\\]' })).toBe('[a]\nk=1\nn=2\n[b]\n');
    expect(editLine('a\n', { state: 'present', line: '#!/bin/sh', insertbefore: 'BOF' })).toBe('#!/bin/sh\na\n');
    expect(editLine('a\n', { state: 'present', line: 'z', insertafter: '^nomatch' })).toBe('a\nz\n');
  });

  it('firstmatch picks the first matching line', () => {
    expect(editLine('k=1\nk=2\n', { state: 'present', regexp: '^k=', line: 'k=9', firstmatch: true })).toBe('k=9\nk=2\n');
    expect(editLine('k=1\nk=2\n', { state: 'present', regexp: '^k=', line: 'k=9' })).toBe('k=1\nk=9\n');
  });

  it('backrefs expand groups and leave the file alone when nothing matches', () => {
    const edit = { state: 'present' as const, regexp: '^(ListenAddress) .*$', line: '\\1 0.0.0.0', backrefs: true };
    expect(editLine('ListenAddress ::\n', edit)).toBe('ListenAddress 0.0.0.0\n');
    expect(editLine('Port 22\n', edit)).toBe('Port 22\n');
  });

  it('state absent removes every matching line (regexp, search_string or exact line)', () => {
    expect(editLine('a\nfoo=1\nb\nfoo=2\n', { state: 'absent', regexp: '^foo=' })).toBe('a\nb\n');
    expect(editLine('a\nx foo y\n', { state: 'absent', search_string: 'foo' })).toBe('a\n');
    expect(editLine('a\nb\n', { state: 'absent', line: 'c' })).toBe('a\nb\n');
  });
});

describe('blockinfile decision (editBlock)', () => {
  const base: BlockEdit = { state: 'present', block: 'one\ntwo', marker: '# {mark} MANAGED', marker_begin: 'BEGIN', marker_end: 'END' };

  it('appends a marked block, then replaces it in place, idempotently', () => {
    const once = editBlock('top\n', base);
    expect(once).toBe('top\n# BEGIN MANAGED\none\ntwo\n# END MANAGED\n');
    expect(editBlock(once, base)).toBe(once);
    expect(editBlock(once + 'tail\n', { ...base, block: 'three' })).toBe('top\n# BEGIN MANAGED\nthree\n# END MANAGED\ntail\n');
  });

  it('removes the block for state absent or an empty block', () => {
    const withBlock = 'a\n# BEGIN MANAGED\nx\n# END MANAGED\nb\n';
    expect(editBlock(withBlock, { ...base, state: 'absent' })).toBe('a\nb\n');
    expect(editBlock(withBlock, { ...base, block: '' })).toBe('a\nb\n');
    expect(editBlock('a\n', { ...base, state: 'absent' })).toBe('a\n');
  });

  it('honours insertbefore for a new block', () => {
    expect(editBlock('a\nexit 0\n', { ...base, block: 'x', insertbefore: '^exit' })).toBe('a\n# BEGIN MANAGED\nx\n# END MANAGED\nexit 0\n');
  });
});

describe('authorized_key decision (editAuthorizedKeys)', () => {
  const alice = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop';
  const bob = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob bob@desk';

  it('adds a key once and identifies keys by type and blob, not comment', () => {
    const once = editAuthorizedKeys('', alice, 'present', false);
    expect(once).toBe(`${alice}\n`);
    expect(editAuthorizedKeys(once, alice, 'present', false)).toBe(once);
    expect(keyIdentity(`from="10.0.0.0/8" ${alice}`)).toBe(keyIdentity(alice));
  });

  it('updates options or comment of a key in place', () => {
    expect(editAuthorizedKeys(`${bob}\n${alice}\n`, `no-pty ${alice}`, 'present', false)).toBe(`${bob}\nno-pty ${alice}\n`);
  });

  it('exclusive drops every other key; absent removes only the named one', () => {
    expect(editAuthorizedKeys(`${bob}\n${alice}\n`, alice, 'present', true)).toBe(`${alice}\n`);
    expect(editAuthorizedKeys(`${bob}\n${alice}\n`, alice, 'absent', false)).toBe(`${bob}\n`);
  });

  it('refuses text that is not a public key', () => {
    expect(() => editAuthorizedKeys('', 'hello world', 'present', false)).toThrow(/not an SSH public key/);
  });
});
