import type { ModuleTask, TaskNode } from '../../src/engine/playbook/types';
import { projectPerTest } from './harness';

/** What real Ansible roles write, loaded as ansible-core 2.14 loads it. */
const project = projectPerTest();

const tasksOf = (yaml: string): TaskNode[] => {
  project.playbook(`- hosts: all\n  tasks:\n${yaml.replace(/^/gm, '    ')}\n`);
  return project.load().plays[0].sections[1];
};
const moduleTask = (yaml: string): ModuleTask => tasksOf(yaml)[0] as ModuleTask;
const loadError = (yaml: string): string => {
  try {
    tasksOf(yaml);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the playbook loaded without an error');
};

describe('argument aliases', () => {
  test('the aliases each module declares load, under the name written', () => {
    expect(moduleTask('- lineinfile: line="{{ item }}" state=present dest=/etc/rsyslog.conf\n  with_items: [a]').args).toEqual({
      line: '{{ item }}',
      state: 'present',
      dest: '/etc/rsyslog.conf',
    });
    for (const task of [
      '- file: { name: /tmp/x, state: directory }',
      '- blockinfile: { destfile: /tmp/x, block: y }',
      '- apt: { pkg: [nginx], update-cache: yes }',
      '- user: { name: deploy, createhome: no }',
      '- systemd: { unit: nginx, state: started }',
      '- stat: { dest: /tmp/x }',
      '- sysctl: { key: net.ipv4.ip_forward, val: 1, sysctl_set: yes }',
      '- apt: { name: nginx, default_release: bookworm-backports }',
    ]) {
      expect(() => tasksOf(task)).not.toThrow();
    }
  });

  test('an argument and its alias together are refused; a missing argument is named as missing', () => {
    expect(loadError('- file: { path: /a, dest: /b }')).toContain("file: give either 'path' or its alias 'dest', not both");
    expect(loadError('- file: { state: touch }')).toContain("file: missing required argument 'path'");
    expect(loadError('- file: { dest: 5 }')).toContain("file: argument 'dest': ");
  });
});

describe('key=value arguments', () => {
  test("take the argument's declared type: booleans and numbers converted, strings (mode) kept", () => {
    expect(() => tasksOf('- apt: name=nginx update_cache=yes cache_valid_time=3600')).not.toThrow();
    expect(() => tasksOf('- file: path=/tmp/x mode=0644 state=touch')).not.toThrow();
    expect(loadError('- apt: name=nginx update_cache=maybe')).toContain("apt: argument 'update_cache'");
  });

  test('Jinja2 blocks with spaces stay one value; text that is not key=value is the free-form argument', () => {
    expect(moduleTask(`- debug: msg={{ a | default('x y') }}`).args).toEqual({ msg: `{{ a | default('x y') }}` });
    expect(moduleTask(`- debug: it's done`).args).toEqual({ msg: `it's done` });
  });

  test('command and shell take creates=, chdir= and removes= out of their free-form line', () => {
    expect(moduleTask('- command: creates=/etc/done chdir=/tmp make install').args).toEqual({ creates: '/etc/done', chdir: '/tmp', cmd: 'make install' });
    expect(moduleTask('- shell: echo a=b >> /tmp/x removes=/tmp/y').args).toEqual({ removes: '/tmp/y', cmd: 'echo a=b >> /tmp/x' });
    expect(moduleTask('- shell: echo  "a  b"').args).toEqual({ cmd: 'echo  "a  b"' });
  });

  test('unknown arguments are reported even when other values are templated', () => {
    expect(loadError('- copy: { content: "{{ x }}", dest: /tmp/x, destination: /tmp/y }')).toContain("copy: unknown argument 'destination'");
  });
});

describe('keywords', () => {
  test('ansible.builtin. and ansible.legacy. prefixes on include/import/meta', () => {
    project.write({ 'playbooks/more.yml': '- debug: msg=hi\n' });
    const nodes = tasksOf('- ansible.builtin.import_tasks: more.yml\n- ansible.legacy.include_tasks: more.yml\n- ansible.builtin.meta: flush_handlers\n- include: more.yml');
    expect(nodes.map((n) => n.kind)).toEqual(['module', 'include_tasks', 'meta', 'include_tasks']);
  });

  test('include: and ansible.builtin.import_playbook at play level import a playbook', () => {
    project.write({ 'playbooks/other.yml': '- { name: other, hosts: all, tasks: [] }\n' });
    project.playbook('- include: other.yml\n- ansible.builtin.import_playbook: other.yml\n');
    expect(project.load().plays.map((p) => p.name)).toEqual(['other', 'other']);
  });

  test('with_<lookup> loops keep their terms for the lookup; two loops on one task are refused', () => {
    expect(moduleTask('- debug: msg={{ item.key }}\n  with_dict: { a: 1 }')).toMatchObject({ loop: { a: 1 }, loopLookup: 'dict' });
    expect(moduleTask('- include_vars: "{{ item }}"\n  with_first_found: [a.yml]')).toMatchObject({ loopLookup: 'first_found' });
    expect(loadError('- debug: msg=x\n  loop: [1]\n  with_items: [2]')).toContain('use one of loop, with_items, not several');
  });

  test('templated boolean keywords load as written; a non-boolean literal is refused', () => {
    expect(moduleTask('- debug: msg=x\n  ignore_errors: "{{ x }}"\n  no_log: "{{ y }}"')).toMatchObject({ ignoreErrors: '{{ x }}', noLog: '{{ y }}' });
    expect(loadError('- debug: msg=x\n  ignore_errors: sometimes')).toContain('ignore_errors: expected true or false');
  });

  test('remote_user loads; become_method other than sudo is refused at load time', () => {
    expect(moduleTask('- debug: msg=x\n  remote_user: admin\n  become_method: sudo')).toMatchObject({ remoteUser: 'admin' });
    expect(loadError('- debug: msg=x\n  become_method: su')).toContain("become_method: play supports become_method sudo only, got 'su'");
  });

  test('a block in handlers: each of its tasks is a handler, with the block keywords', () => {
    project.playbook('- hosts: all\n  tasks: [{ debug: msg=x, notify: two }]\n  handlers:\n    - block:\n        - { name: one, debug: msg=1 }\n        - { name: two, debug: msg=2 }\n      when: x is defined\n');
    const { handlers } = project.load().plays[0];
    expect(handlers.map((h) => [h.triggers[0], h.when])).toEqual([['one', ['x is defined']], ['two', ['x is defined']]]);
  });
});

describe('modules for other systems', () => {
  test('yum, dnf, zypper, win_* load (under ansible.builtin. too); a misspelt module does not', () => {
    const nodes = tasksOf('- yum: { name: nginx }\n- ansible.builtin.dnf: name=nginx\n- zypper: name=nginx\n- win_service: { name: x }');
    expect(nodes.map((n) => n.kind === 'module' && n.module)).toEqual(['yum', 'dnf', 'zypper', 'win_service']);
    expect(loadError('- ap: { name: nginx }')).toContain("unknown module 'ap'");
  });
});
