import { PlaybookError } from '../../src/engine/playbook/errors';
import { projectPerTest, type Project } from './harness';

const project = projectPerTest();

const PB = 'playbooks/test.yml';
const { lines, playbook } = project;
const loadError = (options: Parameters<Project['load']>[1] = {}): Error => {
  try {
    project.load(PB, options);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the playbook loaded without an error');
};

describe('range() and lookup() in a run', () => {
  test("a loop over range(); lookup('file') from the role's files/ and the playbook's, per host", async () => {
    project.write({
      'roles/motd/files/motd': 'role motd\n',
      'playbooks/files/banner': 'playbook banner\n',
      'roles/motd/tasks/main.yml': `
- name: from the role
  shell: echo "{{ lookup('file', 'motd') }} / {{ lookup('file', 'banner') }}" >> {{ dir }}/{{ inventory_hostname }}.log
`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  roles: [motd]
  tasks:
    - name: counted
      shell: echo "{{ item }}" >> {{ dir }}/{{ inventory_hostname }}.log
      loop: "{{ range(1, 4) | list }}"
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.exitCode).toBe(0);
    for (const host of ['h1', 'h2']) expect(lines(`${host}.log`)).toEqual(['role motd / playbook banner', '1', '2', '3']);
  });

  test('a refused or failing lookup fails the task, naming the file and line', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: piped
      debug: { msg: "{{ lookup('pipe', 'id') }}" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(2);
    const failure = run.hostResults('piped')[0].failure?.msg ?? '';
    expect(failure).toContain(`${project.path(PB)}:5`);
    expect(failure).toContain("lookup('pipe') is not supported");
  });
});

describe('templated vars_files', () => {
  test('rendered per play with the play vars and earlier vars_files', async () => {
    project.write({
      'playbooks/vars/common.yml': 'tier: web\n',
      'playbooks/vars/staging-web.yml': 'port: 8081\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  vars: { env_name: staging }
  vars_files: [vars/common.yml, "vars/{{ env_name }}-{{ tier }}.yml"]
  tasks:
    - { name: show, shell: "echo {{ port }} >> {{ dir }}/port.log" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(lines('port.log')).toEqual(['8081']);
  });

  test('-e extra vars win over play vars', () => {
    project.write({ 'playbooks/vars/prod.yml': 'port: 443\n' });
    playbook(`
- hosts: all
  vars: { env_name: staging }
  vars_files: ["vars/{{ env_name }}.yml"]
  tasks: [{ command: /bin/true }]
`);
    expect(project.load(PB, { extraVars: { env_name: 'prod' } }).plays[0].vars).toEqual({ env_name: 'staging', port: 443 });
  });

  test("a missing file after rendering, or an undefined variable, is one error at the play's vars_files line", () => {
    playbook(`
- hosts: all
  vars: { env_name: nowhere }
  vars_files:
    - "vars/{{ env_name }}.yml"
  tasks: [{ command: /bin/true }]
`);
    const missing = loadError();
    expect(missing).toBeInstanceOf(PlaybookError);
    expect(missing.message).toBe(`${project.path(PB)}:4: vars file not found: ${project.path('playbooks/vars/nowhere.yml')} (vars_files entry 'vars/{{ env_name }}.yml')`);

    playbook(`
- hosts: all
  vars_files: ["vars/{{ env_name }}.yml"]
  tasks: [{ command: /bin/true }]
`);
    const undefinedVar = loadError();
    expect(undefinedVar).toBeInstanceOf(PlaybookError);
    expect(undefinedVar.message).toMatch(new RegExp(`^${project.path(PB)}:3: vars_files entry 'vars/\\{\\{ env_name \\}\\}.yml': 'env_name' is undefined`));
  });
});
