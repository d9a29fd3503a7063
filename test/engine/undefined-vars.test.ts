import { PlaybookError } from '../../src/engine/playbook/errors';
import { expressionNames, templateNames } from '../../src/engine/playbook/expression-names';
import { templateFileNames } from '../../src/engine/playbook/template-file-names';
import { checkUndefinedVariables } from '../../src/engine/playbook/undefined-vars';
import { loadIncludedTasks } from '../../src/engine/playbook/playbook-loader';
import { getModule } from '../../src/modules';
import { projectPerTest } from './harness';

const project = projectPerTest();

const check = (inventory: string[] = [], extra: string[] = []) => () => checkUndefinedVariables(project.load(), { inventory, extra });
const PB = 'playbooks/test.yml';

describe('names an expression needs', () => {
  test('names, not attributes, filters or names it guards itself', () => {
    expect(expressionNames('result.rc == 0 and port | int > base')).toEqual(['result', 'port', 'base']);
    expect(expressionNames('maybe is defined and maybe > 1')).toEqual([]);
    expect(expressionNames("opt | default('x') ~ other")).toEqual(['other']);
    expect(expressionNames("hostvars[item]['ansible_host']")).toEqual(['hostvars', 'item']);
    expect(expressionNames('this is ( not valid')).toEqual([]);
  });

  test('every {{ }} of a string; Handlebars blocks are left to the template engine', () => {
    expect(templateNames('{{ a }}-{{ b.c }} plain')).toEqual(['a', 'b']);
    expect(templateNames('{{#if a}}{{ b }}{{/if}}')).toEqual([]);
  });

  test('template files: strict top-level names with their lines, not helper arguments or each bodies', () => {
    const uses = templateFileNames('{{ greeting }}\n{{#if opt}}{{ inner }}{{/if}}\n{{#each list}}{{ this.x }}{{ y }}{{/each}}\n{{ join items ", " }}\n', 'greet.hbs');
    expect(uses).toEqual([
      { name: 'greeting', line: 1 },
      { name: 'inner', line: 2 },
    ]);
  });
});

describe('undefined variables are found before any host is contacted', () => {
  test('a name defined nowhere: file, line and name', () => {
    project.write({ [PB]: '- hosts: all\n  vars: { port: 80 }\n  tasks:\n    - debug: msg="{{ port }}"\n    - debug: msg="{{ prot }}"\n' });
    expect(check()).toThrow(PlaybookError);
    expect(check()).toThrow(`${project.path(PB)}:5: undefined variable 'prot'`);
  });

  test('in a when condition', () => {
    project.write({ [PB]: '- hosts: all\n  tasks:\n    - command: ls\n      when: enabled_feature\n' });
    expect(check()).toThrow(`${project.path(PB)}:3: undefined variable 'enabled_feature'`);
    expect(check(['enabled_feature'])).not.toThrow();
    expect(check([], ['enabled_feature'])).not.toThrow();
  });

  test('every source of variables counts: register, set_fact, loop vars, role defaults, block vars, facts', () => {
    project.write({
      'roles/r/defaults/main.yml': 'from_defaults: 1\n',
      'roles/r/tasks/main.yml': '- debug: msg="{{ from_defaults }} {{ ansible_hostname }}"\n',
      [PB]: `
- hosts: all
  roles: [r]
  tasks:
    - command: ls
      register: listing
    - set_fact: { computed: 1 }
    - block:
        - debug: msg="{{ listing.stdout }} {{ computed }} {{ in_block }} {{ inventory_hostname }} {{ groups['all'] }}"
      vars: { in_block: 2 }
    - debug: msg="{{ user }}"
      loop: [a]
      loop_control: { loop_var: user }
`,
    });
    expect(check()).not.toThrow();
  });

  test("an include_tasks loop variable is known inside the included file", () => {
    project.write({
      'playbooks/each.yml': '- debug: msg="{{ user }}"\n',
      [PB]: '- hosts: all\n  tasks:\n    - include_tasks: each.yml\n      loop: [a, b]\n      loop_control: { loop_var: user }\n',
    });
    expect(() => checkUndefinedVariables(project.load(), { inventory: [], extra: [] }, (path, inherited) => loadIncludedTasks(path, inherited, project.path('playbooks'), { module: getModule }))).not.toThrow();
  });

  test('names a dynamic include may define are not judged statically', () => {
    project.write({ [PB]: '- hosts: all\n  tasks:\n    - include_role: { name: "{{ which }}" }\n    - debug: msg="{{ defined_by_that_role }}"\n' });
    expect(check([], ['which'])).not.toThrow();
  });

  test('a syntax error in a condition', () => {
    project.write({ [PB]: '- hosts: all\n  vars: { x: 1 }\n  tasks:\n    - command: ls\n      when: x ==\n' });
    expect(check()).toThrow(`${project.path(PB)}:4: syntax error: unexpected end of expression at column 5 in expression: x ==`);
  });

  test('in a template file: the template file and line', () => {
    project.write({
      'roles/r/templates/conf.hbs': 'listen {{ port }}\nserver_name {{ server_nmae }}\n',
      'roles/r/tasks/main.yml': '- template: { src: conf.hbs, dest: /tmp/conf }\n',
      [PB]: '- hosts: all\n  vars: { port: 80, server_name: x }\n  roles: [r]\n',
    });
    expect(check()).toThrow(`${project.path('roles/r/templates/conf.hbs')}:2: undefined variable 'server_nmae' in template`);
  });

  test('a Jinja2 template file: loop variables, set names, macros and guarded names are not needed from the play', () => {
    project.write({
      'roles/r/templates/conf.j2':
        "{{ ansible_managed | comment }}\n{% set sep = ',' %}{% macro line(k, v='x') %}{{ k }}{{ sep }}{{ v }}{% endmacro %}\n" +
        '{% for host in hosts %}{{ line(host, loop.index) }}{% endfor %}\n{% if opt is defined %}{{ opt }}{% endif %}\n{{ server_nmae }}\n',
      'roles/r/tasks/main.yml': '- template: { src: conf.j2, dest: /tmp/conf }\n',
      [PB]: '- hosts: all\n  vars: { hosts: [a] }\n  roles: [r]\n',
    });
    expect(check()).toThrow(`${project.path('roles/r/templates/conf.j2')}:5: undefined variable 'server_nmae' in template`);
  });

  test('a Jinja2 syntax error in a template file: the file and line', () => {
    project.write({
      'roles/r/templates/conf.j2': 'a\n{% for x in xs %}\n{{ x }}\n',
      'roles/r/tasks/main.yml': '- template: { src: conf.j2, dest: /tmp/conf }\n',
      [PB]: '- hosts: all\n  vars: { xs: [] }\n  roles: [r]\n',
    });
    expect(check()).toThrow(`${project.path('roles/r/templates/conf.j2')}:2: syntax error: '{% for %}' is never closed`);
  });
});

describe('unknown filters, tests and lookups are load-time errors', () => {
  test('in a task argument, a condition and a template file', () => {
    project.write({ [PB]: "- hosts: all\n  vars: { x: 1 }\n  tasks:\n    - debug: { msg: \"{{ x | to_jsn }}\" }\n" });
    expect(check()).toThrow(`${project.path(PB)}:4: unknown filter 'to_jsn'`);
    project.write({ [PB]: '- hosts: all\n  vars: { x: 1 }\n  tasks:\n    - command: ls\n      when: x is evn\n' });
    expect(check()).toThrow(`${project.path(PB)}:4: unknown test 'evn'`);
    project.write({ [PB]: "- hosts: all\n  tasks:\n    - debug: { msg: \"{{ lookup('dig', 'example.org') }}\" }\n" });
    expect(check()).toThrow(`${project.path(PB)}:3: unknown lookup plugin 'dig'`);
    project.write({
      'roles/r/templates/conf.j2': 'a\n{{ x | frobnicate }}\n',
      'roles/r/tasks/main.yml': '- template: { src: conf.j2, dest: /tmp/conf }\n',
      [PB]: '- hosts: all\n  vars: { x: 1 }\n  roles: [r]\n',
    });
    expect(check()).toThrow(`${project.path('roles/r/templates/conf.j2')}:2: unknown filter 'frobnicate' in {{ x | frobnicate }}`);
  });

  test('in play vars and role defaults', () => {
    project.write({ [PB]: "- hosts: all\n  vars:\n    x: 1\n    y: \"{{ x | to_jsn }}\"\n  tasks: []\n" });
    expect(check()).toThrow(`${project.path(PB)}:1: variable 'y': unknown filter 'to_jsn' in expression: x | to_jsn`);
    project.write({
      'roles/r/defaults/main.yml': "z: \"{{ 1 is evn }}\"\n",
      'roles/r/tasks/main.yml': '- debug: { msg: hi }\n',
      [PB]: '- hosts: all\n  roles: [r]\n',
    });
    expect(check()).toThrow(/variable 'z': unknown test 'evn'/);
  });
});
