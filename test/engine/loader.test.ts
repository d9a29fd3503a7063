import { YamlError } from '../../src/data/yaml-loader';
import { PlaybookError } from '../../src/engine/playbook/errors';
import { projectPerTest } from './harness';

const project = projectPerTest();

const PB = 'playbooks/test.yml';
const loadError = (files: Record<string, string>): Error => {
  project.write(files);
  try {
    project.load();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the playbook loaded without an error');
};
const at = (file: string, line: number) => `${project.path(file)}:${line}`;

describe('loading a playbook', () => {
  test('plays, roles with dependencies first, sections in Ansible order, handlers of roles before the play', () => {
    project.write({
      'roles/base/tasks/main.yml': '- { name: base task, command: /bin/true }\n',
      'roles/base/handlers/main.yml': '- { name: base handler, command: /bin/true }\n',
      'roles/web/meta/main.yml': 'dependencies: [base]\n',
      'roles/web/tasks/main.yml': '- { name: web task, command: /bin/true, notify: base handler }\n',
      'roles/web/defaults/main.yml': 'port: 80\n',
      'roles/web/vars/main.yml': 'user: www\n',
      [PB]: `
- name: site
  hosts: app,logs
  become: true
  serial: '50%'
  roles:
    - { role: web, tags: [web], listen_port: 8080 }
  pre_tasks: [{ name: pre, command: /bin/true }]
  tasks: [{ name: main, command: /bin/true, notify: mine }]
  post_tasks: [{ name: post, command: /bin/true }]
  handlers: [{ name: mine, command: /bin/true }]
`,
    });
    const [play] = project.load().plays;
    expect(play.hosts).toBe('app,logs');
    expect(play.serial).toEqual(['50%']);
    const names = play.sections.map((s) => s.map((t) => (t.kind === 'module' ? t.name : t.kind)));
    expect(names).toEqual([['pre'], ['base task', 'web task', 'main'], ['post']]);
    const web = play.sections[1][1];
    expect(web).toMatchObject({ tags: ['web'], become: true });
    expect(web.role).toMatchObject({ name: 'web', defaults: { port: 80 }, vars: { user: 'www', listen_port: 8080 } });
    expect(play.handlers.map((h) => h.triggers[0])).toEqual(['base handler', 'mine']);
    expect(play.handlers[0].triggers).toContain('base : base handler');
  });

  test('play tags reach every task, its roles and blocks included', () => {
    project.write({
      'roles/r/tasks/main.yml': '- { name: in role, command: ls, tags: mine }\n',
      [PB]: '- hosts: all\n  tags: [site]\n  roles: [r]\n  tasks:\n    - block:\n        - { name: in block, command: ls }\n      tags: blk\n',
    });
    const [roleTask, block] = project.load().plays[0].sections[1];
    expect(roleTask.tags).toEqual(['site', 'mine']);
    expect(block.kind === 'block' && block.block[0].tags).toEqual(['site', 'blk']);
  });

  test('free-form and key=value arguments; FQCN module names', () => {
    project.write({
      [PB]: `
- hosts: all
  tasks:
    - command: ls -l /tmp
    - ansible.builtin.file: path=/tmp/x state=touch mode="0644"
`,
    });
    const tasks = project.load().plays[0].sections[1];
    expect(tasks[0]).toMatchObject({ module: 'command', args: { cmd: 'ls -l /tmp' } });
    expect(tasks[1]).toMatchObject({ module: 'file', args: { path: '/tmp/x', state: 'touch', mode: '0644' } });
  });
});

describe('bad input: one clear error naming file and line', () => {
  test('YAML syntax error: file:line:column', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - name: x\n     command: ls\n' });
    expect(err).toBeInstanceOf(YamlError);
    expect(err.message).toMatch(new RegExp(`^${project.path(PB)}:4:\\d+: `));
  });

  test('a self-referencing alias in a vars file: refused at load (so by --syntax-check), not mid-play', () => {
    const err = loadError({ 'playbooks/vars/loop.yml': 'ok: 1\nitems: &items\n  - a\n  - *items\n', [PB]: '- hosts: all\n  vars_files: [vars/loop.yml]\n  tasks: []\n' });
    expect(err).toBeInstanceOf(YamlError);
    expect(err.message).toBe(`${project.path('playbooks/vars/loop.yml')}:4:5: alias to a node that contains it (a value cannot include itself)`);
  });

  test('unknown module', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - name: typo\n      comand: ls\n' });
    expect(err).toBeInstanceOf(PlaybookError);
    expect(err.message).toBe(`${at(PB, 4)}: unknown module 'comand'`);
  });

  test('unknown argument, named', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - copy:\n        dest: /tmp/x\n        content: hi\n        mdoe: "0644"\n' });
    expect(err.message).toContain(at(PB, 3));
    expect(err.message).toContain("unknown argument 'mdoe'");
  });

  test('wrongly typed argument, named; a templated one waits for run time', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - copy: { dest: /tmp/x, content: hi, backup: [1] }\n' });
    expect(err.message).toContain(at(PB, 3));
    expect(err.message).toContain("argument 'backup'");
    project.write({ [PB]: '- hosts: all\n  tasks:\n    - copy: { dest: /tmp/x, content: hi, backup: "{{ want_backup }}" }\n' });
    expect(() => project.load()).not.toThrow();
  });

  test('a task with two modules', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - command: ls\n      shell: ls\n' });
    expect(err.message).toContain('more than one module or unknown keyword: command, shell');
  });

  test('wrong keyword type', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - command: ls\n      become: [yes]\n' });
    expect(err.message).toBe(`${at(PB, 4)}: become: expected true or false, got a list`);
  });

  test('handler notified but not defined', () => {
    const err = loadError({ [PB]: '- hosts: all\n  tasks:\n    - command: ls\n      notify: restart nginx\n  handlers:\n    - { name: reload nginx, command: ls }\n' });
    expect(err.message).toBe(`${at(PB, 3)}: notify: no handler named or listening to 'restart nginx' in play 'all' (handlers: reload nginx)`);
  });

  test('role not found', () => {
    const err = loadError({ [PB]: '- hosts: all\n  roles:\n    - nginxx\n' });
    expect(err.message).toContain(`${at(PB, 3)}: role 'nginxx' not found`);
  });

  test('a cycle in role dependencies names the cycle', () => {
    const err = loadError({
      'roles/a/meta/main.yml': 'dependencies: [b]\n',
      'roles/b/meta/main.yml': 'dependencies: [{ role: a }]\n',
      [PB]: '- hosts: all\n  roles: [a]\n',
    });
    expect(err.message).toContain('role dependency cycle: a -> b -> a');
    expect(err.message).toContain(at('roles/b/meta/main.yml', 1));
  });

  test('an import cycle', () => {
    const err = loadError({ 'playbooks/a.yml': '- import_tasks: b.yml\n', 'playbooks/b.yml': '- import_tasks: a.yml\n', [PB]: '- hosts: all\n  tasks:\n    - import_tasks: a.yml\n' });
    expect(err.message).toContain('import cycle');
  });

  test('errors inside a role file name that file', () => {
    const err = loadError({ 'roles/r/tasks/main.yml': '- name: ok\n  command: ls\n- name: bad\n  nosuchmodule: x\n', [PB]: '- hosts: all\n  roles: [r]\n' });
    expect(err.message).toBe(`${at('roles/r/tasks/main.yml', 4)}: unknown module 'nosuchmodule'`);
  });

  test('a static include_tasks file is checked at load time too', () => {
    const err = loadError({ 'playbooks/inc.yml': '- bogus_module: 1\n', [PB]: '- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n' });
    expect(err.message).toContain(`${at('playbooks/inc.yml', 1)}: unknown module 'bogus_module'`);
  });

  test('unknown play keyword, missing hosts', () => {
    expect(loadError({ [PB]: '- hosts: all\n  taks: []\n' }).message).toContain(`${at(PB, 2)}: taks: not a play keyword`);
    expect(loadError({ [PB]: '- name: x\n  tasks: []\n' }).message).toContain('every play needs hosts');
  });
});

describe('free-form arguments', () => {
  test('key=value pairs of known arguments, else the free-form argument', () => {
    project.write({ [PB]: '- hosts: all\n  tasks:\n    - debug: msg="hi there"\n    - debug: just text\n    - shell: FOO=bar env\n' });
    const tasks = project.load().plays[0].sections[1];
    expect(tasks.map((t) => (t.kind === 'module' ? t.args : null))).toEqual([{ msg: 'hi there' }, { msg: 'just text' }, { cmd: 'FOO=bar env' }]);
  });
});
