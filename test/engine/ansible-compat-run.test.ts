import { projectPerTest } from './harness';

/** What real Ansible roles write, run on local hosts as ansible-core 2.14 runs it. */
const project = projectPerTest();

const { lines, playbook } = project;

describe('templated boolean keywords', () => {
  test('ignore_errors and no_log are decided per host; a value that is not a boolean fails the task clearly', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: may fail
      command: /bin/false
      ignore_errors: "{{ inventory_hostname == 'h1' }}"
    - name: odd
      debug: msg=x
      no_log: "{{ 'sometimes' }}"
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.results('may fail')).toEqual({ h1: 'failed', h2: 'failed' });
    // h1 ignores its failure and goes on to fail the next task; h2 stops at its failure
    expect(run.stats('h1')).toMatchObject({ ignored: 1, failed: 1 });
    expect(run.stats('h2')).toMatchObject({ failed: 1 });
    const odd = run.hostResults('odd');
    expect(odd.map((r) => r.host)).toEqual(['h1']);
    expect(JSON.stringify(odd[0])).toContain(`no_log: '{{ 'sometimes' }}' must render to true or false, got \\"sometimes\\"`);
  });
});

describe('with_<lookup> loops', () => {
  test('with_dict, with_subelements', async () => {
    playbook(`
- hosts: h1
  gather_facts: false
  vars:
    users: [{ name: a, keys: [k1, k2] }, { name: b, keys: [k3] }, { name: c }]
  tasks:
    - shell: echo {{ item.key }}={{ item.value }} >> {{ dir }}/dict.log
      with_dict: { x: 1, y: 2 }
    - shell: echo {{ item.0.name }}:{{ item.1 }} >> {{ dir }}/sub.log
      with_subelements: ["{{ users }}", keys, { skip_missing: true }]
`);
    const run = await project.run({ h1: { dir: project.dir } });
    expect(run.exitCode).toBe(0);
    expect(lines('dict.log')).toEqual(['x=1', 'y=2']);
    expect(lines('sub.log')).toEqual(['a:k1', 'a:k2', 'b:k3']);
  });

  test("set_fact's names may be templated (dev-sec's hardening sets a dict's entries as variables)", async () => {
    playbook(`
- hosts: h1
  gather_facts: false
  tasks:
    - set_fact:
        "{{ item.key }}": "{{ item.value }}"
      with_dict: { sshd_port: 2222, sshd_banner: none }
    - shell: echo {{ sshd_port }} {{ sshd_banner }} >> {{ dir }}/facts.log
`);
    const run = await project.run({ h1: { dir: project.dir } });
    expect(run.exitCode).toBe(0);
    expect(lines('facts.log')).toEqual(['2222 none']);
  });

  test("with_first_found searches the role's vars/ for include_vars, skipping terms that do not render; the role's magic names", async () => {
    project.write({
      'roles/r/vars/Debian.yml': 'found_in: debian\n',
      'roles/r/tasks/main.yml': `
- include_vars: "{{ item }}"
  with_first_found:
    - "{{ no_such_fact }}.yml"
    - Missing.yml
    - Debian.yml
- shell: echo {{ found_in }} {{ ansible_role_name }} {{ role_name }} > {{ dir }}/found.log
- debug: msg={{ item }}
  with_first_found: [{ files: [nothing.yml], skip: true }]
`,
    });
    playbook('- hosts: h1\n  gather_facts: false\n  roles: [r]\n');
    const run = await project.run({ h1: { dir: project.dir, no_such_fact: undefined } });
    expect(run.exitCode).toBe(0);
    // ansible_role_name (what dev-sec's templates print) is the role's name, as role_name
    expect(lines('found.log')).toEqual(['debian r r']);
  });
});

describe('arguments', () => {
  test('omit drops an argument; key=value booleans reach the module converted', async () => {
    playbook(`
- hosts: h1
  gather_facts: false
  tasks:
    - file: path={{ dir }}/made state=directory mode={{ nothing | default(omit) }}
    - copy: content=x dest={{ dir }}/made/f force=no
`);
    const run = await project.run({ h1: { dir: project.dir } });
    expect(run.exitCode).toBe(0);
    expect(lines('made/f')).toEqual(['x']);
  });
});

describe('modules for other systems', () => {
  test('loading is fine; running one on a host fails clearly, and a skipped one does nothing', async () => {
    playbook(`
- hosts: h1
  gather_facts: false
  tasks:
    - { name: skipped, yum: { name: nginx }, when: false }
    - { name: ran, yum: { name: nginx } }
`);
    const run = await project.run(['h1']);
    expect(run.results('skipped')).toEqual({ h1: 'skipped' });
    expect(JSON.stringify(run.hostResults('ran')[0])).toContain('module yum is not supported by play (this host is Debian; use apt or package)');
  });
});

describe('facts modules', () => {
  test('package_facts: the packages are a variable and ansible_facts.packages, as Ansible keeps them', async () => {
    playbook(`
- hosts: h1
  gather_facts: false
  tasks:
    - package_facts:
    - shell: echo {{ packages['dpkg'][0].name }} {{ ansible_facts.packages['dpkg'][0].source }} > {{ dir }}/dpkg.log
`);
    const run = await project.run({ h1: { dir: project.dir } });
    expect(run.exitCode).toBe(0);
    expect(lines('dpkg.log')).toEqual(['dpkg apt']);
  });
});
