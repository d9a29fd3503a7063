import { resolveMode } from '../../src/modules/support/mode';
import { attributesToChange, treeModesDiffer } from '../../src/modules/commands/attributes';
import type { FileProbe } from '../../src/modules/commands/file-probe';
import { PlaybookError } from '../../src/engine/playbook/errors';
import { Project } from '../engine/harness';

const file = (mode: string) => ({ mode, type: 'file', umask: '0022' });
const dir = (mode: string) => ({ mode, type: 'directory', umask: '0022' });

describe('symbolic modes resolve against the current mode, as chmod and Ansible do', () => {
  it('=, + and - per class, comma lists, several operations in one clause', () => {
    expect(resolveMode('u=rw,g=r,o=', file('0777'))).toBe('0640');
    expect(resolveMode('u+x', file('0644'))).toBe('0744');
    expect(resolveMode('go-w', file('0666'))).toBe('0644');
    expect(resolveMode('u+r-w', file('0644'))).toBe('0444');
    expect(resolveMode('a=r', file('0777'))).toBe('0444');
    expect(resolveMode('ug=rwx,o=rx', file('0000'))).toBe('0775');
  });

  it('X is execute only for a directory or a file someone may already execute', () => {
    expect(resolveMode('a+rX', file('0600'))).toBe('0644');
    expect(resolveMode('a+rX', file('0700'))).toBe('0755');
    expect(resolveMode('a+rX', dir('0700'))).toBe('0755');
    expect(resolveMode('go=rX', file('0640'))).toBe('0644');
  });

  it('copies a class (g=u), sets and clears setuid, setgid and sticky', () => {
    expect(resolveMode('g=u', file('0750'))).toBe('0770');
    expect(resolveMode('g+s', dir('0755'))).toBe('2755');
    expect(resolveMode('o+t', dir('0777'))).toBe('1777');
    expect(resolveMode('u=rwx', file('4755'))).toBe('0755');
    expect(resolveMode('u+s,u-s', file('0755'))).toBe('0755');
  });

  it('a clause without u/g/o/a leaves the umask bits alone', () => {
    expect(resolveMode('+x', file('0644'))).toBe('0755');
    expect(resolveMode('+w', { mode: '0600', type: 'file', umask: '0077' })).toBe('0600');
    expect(resolveMode('a+w', { mode: '0600', type: 'file', umask: '0077' })).toBe('0622');
  });

  it('a path about to be created starts from 0666 or 0777 less the umask', () => {
    expect(resolveMode('u+x', { type: 'file', umask: '0022' })).toBe('0744');
    expect(resolveMode('g+w', { type: 'directory', umask: '0027' })).toBe('0770');
    expect(resolveMode('o=', {})).toBe('0640');
  });

  it('an invalid symbolic mode is one load-time error naming file, line and the value', () => {
    const project = new Project();
    try {
      project.write({ 'playbooks/test.yml': '- hosts: all\n  tasks:\n    - file:\n        path: /tmp/x\n        mode: u+q\n' });
      let error: unknown;
      try {
        project.load();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PlaybookError);
      expect((error as Error).message).toContain(`${project.path('playbooks/test.yml')}:3`);
      expect((error as Error).message).toContain(`symbolic like 'u=rw,g=r,o=', got "u+q"`);
    } finally {
      project.remove();
    }
  });

  it('octal modes pass through untouched', () => {
    expect(resolveMode('0600', file('0644'))).toBe('0600');
  });

  it('a satisfied symbolic mode is no change; an unsatisfied one is its octal result', () => {
    const probe: FileProbe = { exists: true, type: 'file', mode: '0640', umask: '0022' };
    expect(attributesToChange(probe, { mode: 'u=rw,g=r,o=' })).toEqual({});
    expect(attributesToChange(probe, { mode: 'g+w' })).toEqual({ mode: '0660' });
    expect(attributesToChange({ exists: false, umask: '0022' }, { mode: 'u=rw,g=r,o=' })).toEqual({ mode: '0640' });
  });

  it('a recursed tree differs when any (type, mode) pair would change', () => {
    const listing = 'treemode\td 755\ntreemode\tf 644\n';
    expect(treeModesDiffer(listing, 'go-w', '0022')).toBe(false);
    expect(treeModesDiffer(listing, 'a+rX', '0022')).toBe(false);
    expect(treeModesDiffer(listing, 'o-rx', '0022')).toBe(true);
    expect(treeModesDiffer(`${listing}treemode\tf 600\n`, 'a+r', '0022')).toBe(true);
  });
});
