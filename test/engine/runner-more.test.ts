import { projectPerTest } from './harness';

const project = projectPerTest();

const { lines, playbook } = project;

describe('facts', () => {
  test('gathered once per host per run, exposed as ansible_facts and ansible_*, refreshed by a setup task', async () => {
    playbook(`
- hosts: all
  tasks:
    - shell: echo "{{ ansible_facts.hostname == ansible_hostname }} {{ ansible_processor_count > 0 }}" >> {{ dir }}/facts.log
- hosts: all
  tasks:
    - setup:
    - shell: echo "{{ ansible_os_family }}" >> {{ dir }}/facts.log
`);
    const run = await project.run(['h1']);
    expect(run.tasks()).toEqual(['Gathering Facts', 'shell', 'setup', 'shell']);
    expect(lines('facts.log')).toEqual(['true true', 'Debian']);
  });

  test("gathered with the play's become and environment, as Ansible's implicit setup task is", async () => {
    playbook(`
- hosts: all
  become: true
  become_user: nobody
  environment:
    LC_PLAY_MARK: from-the-play
  tasks:
    - shell: echo "{{ ansible_user_id }} {{ ansible_env.LC_PLAY_MARK }}" >> {{ dir }}/facts.log
      become: false
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(lines('facts.log')).toEqual(['nobody from-the-play']);
  });

  test('gather_facts: false leaves them out', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - shell: echo "{{ ansible_facts is defined }}" >> {{ dir }}/facts.log
`);
    const run = await project.run(['h1']);
    expect(run.tasks()).toEqual(['shell']);
    expect(lines('facts.log')).toEqual(['false']);
  });
});

describe('magic variables and meta', () => {
  test('hostvars reaches another host; groups and group_names', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - set_fact: { mine: "{{ inventory_hostname }}-fact" }
    - shell: echo "{{ hostvars['h2'].mine }} {{ groups['web'] | join(',') }} {{ group_names | join(',') }}" >> {{ dir }}/{{ inventory_hostname }}.log
`);
    await project.run({ h1: { groups: ['web'] }, h2: { groups: ['db'] } });
    expect(lines('h1.log')).toEqual(['h2-fact h1 web']);
  });

  test('variables that refer to other variables render when read, also through hostvars', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  vars: { url: "http://{{ inventory_hostname }}:{{ port }}/" }
  tasks:
    - shell: echo "{{ url }} {{ hostvars['h2'].url }} {{ hostvars['h2'].listen }}" >> {{ dir }}/{{ inventory_hostname }}.log
`);
    await project.run({ h1: { port: 80, listen: '{{ port }}' }, h2: { port: 8080, listen: 'on {{ port }}' } });
    expect(lines('h1.log')).toEqual(['http://h1:80/ http://h2:8080/ on 8080']);
  });

  test('meta: end_host ends the play for that host only, without failing it', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - meta: end_host
      when: inventory_hostname == 'h1'
    - { name: rest, command: /bin/true }
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.results('rest')).toEqual({ h2: 'changed' });
    expect(run.exitCode).toBe(0);
  });

  test('include_role loads the role when reached, with its handlers and vars', async () => {
    project.write({
      'roles/late/tasks/main.yml': '- { name: late task, shell: "echo {{ who }} >> {{ dir }}/late.log", notify: late handler }\n',
      'roles/late/handlers/main.yml': '- { name: late handler, shell: "echo handled >> {{ dir }}/late.log" }\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - include_role:
        name: late
        vars: { who: included }
`);
    const run = await project.run(['h1']);
    expect(lines('late.log')).toEqual(['included', 'handled']);
    expect(run.exitCode).toBe(0);
  });
});

describe('debug', () => {
  test('shows its message; one with a higher verbosity than -v stays quiet', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: loud, debug: { msg: "port {{ 40 + 2 }}" } }
    - { name: quiet, debug: { msg: details, verbosity: 2 } }
`);
    const run = await project.run(['h1']);
    expect(run.hostResults('loud')[0].result).toEqual({ msg: 'port 42' });
    expect(run.hostResults('quiet')[0].result).toBeUndefined();
    const verbose = await project.run(['h1'], { verbosity: 2 });
    expect(verbose.hostResults('quiet')[0].result).toMatchObject({ msg: 'details' });
  });
});

describe('include_role edge cases', () => {
  test('included twice: its handler still runs once', async () => {
    project.write({
      'roles/late/tasks/main.yml': '- { name: late task, command: /bin/true, notify: late handler }\n',
      'roles/late/handlers/main.yml': '- { name: late handler, shell: "echo handled >> {{ dir }}/late.log" }\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - include_role: { name: late }
    - include_role: { name: late }
`);
    await project.run(['h1']);
    expect(lines('late.log')).toEqual(['handled']);
  });

  test('a role that cannot be found fails the hosts, naming the include', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: pick a role
      include_role: { name: "{{ 'miss' + 'ing' }}" }
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.tasks()).toEqual(['pick a role']);
    const failures = run.hostResults('pick a role');
    expect(failures.map((f) => f.status)).toEqual(['failed', 'failed']);
    expect(failures[0].failure?.msg).toContain(`${project.path('playbooks/test.yml')}:5: role 'missing' not found`);
    expect(run.exitCode).toBe(2);
  });
});

describe('progress and interruption', () => {
  test('while a task runs, progress events name the hosts still running', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: slow on h2
      shell: "{{ 'sleep 0.6' if inventory_hostname == 'h2' else 'true' }}"
`);
    const run = await project.run(['h1', 'h2'], { progressIntervalMs: 100 });
    const progress = run.events.filter((e) => e.type === 'task_progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ task: 'slow on h2', running: ['h2'] });
  });

  test('an interrupt lets the running task finish, starts nothing new, and reports 99', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: running, shell: "sleep 0.4; echo done >> {{ dir }}/int.log" }
    - { name: never started, shell: "echo next >> {{ dir }}/int.log" }
`);
    const interrupt = { requested: false };
    setTimeout(() => (interrupt.requested = true), 100);
    const run = await project.run(['h1'], { interrupt });
    expect(lines('int.log')).toEqual(['done']);
    expect(run.exitCode).toBe(99);
    expect(run.events.at(-1)).toMatchObject({ type: 'recap', interrupted: true });
  });
});
