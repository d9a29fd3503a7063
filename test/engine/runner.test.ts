import { readFileSync, existsSync } from 'node:fs';
import { projectPerTest } from './harness';

const project = projectPerTest();

const log = (host: string) => readFileSync(project.path(`${host}.log`), 'utf8').trim().split('\n');
const { playbook } = project;

describe('linear run on local hosts', () => {
  test('tasks run on every host, a changed task notifies its handler, recap counts, exit 0', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: write
      shell: echo one >> {{ dir }}/{{ inventory_hostname }}.log
      notify: reload
    - name: read back
      command: cat {{ dir }}/{{ inventory_hostname }}.log
      register: content
      changed_when: false
    - name: only when the file holds one
      shell: echo checked >> {{ dir }}/{{ inventory_hostname }}.log
      when: content.stdout == 'one'
  handlers:
    - name: reload
      shell: echo handler >> {{ dir }}/{{ inventory_hostname }}.log
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.exitCode).toBe(0);
    expect(run.tasks()).toEqual(['write', 'read back', 'only when the file holds one', 'handler:reload']);
    for (const host of ['h1', 'h2']) {
      expect(log(host)).toEqual(['one', 'checked', 'handler']);
      expect(run.stats(host)).toEqual({ ok: 4, changed: 3, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
    }
  });

  test('a failed host stops there, the others go on; exit 2', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: fail on h2
      command: /bin/false
      when: inventory_hostname == 'h2'
    - name: after
      shell: echo after >> {{ dir }}/{{ inventory_hostname }}.log
`);
    const run = await project.run(['h1', 'h2', 'h3']);
    expect(run.exitCode).toBe(2);
    expect(run.results('after')).toEqual({ h1: 'changed', h3: 'changed' });
    expect(existsSync(project.path('h2.log'))).toBe(false);
    expect(run.stats('h2').failed).toBe(1);
    const failure = run.hostResults('fail on h2').find((e) => e.host === 'h2')!.failure!;
    expect(failure.rc).toBe(1);
    expect(failure.cmd).toContain('/bin/false');
  });

  test('an unreachable host is out for the run; exit 4 wins over 2', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: touch
      command: /bin/true
    - name: fail h1
      command: /bin/false
      when: inventory_hostname == 'h1'
`);
    const run = await project.run({
      h1: {},
      // a closed port on the loopback: a real refused connection through the real pool
      down: { ansible_connection: 'ssh', ansible_host: '127.0.0.1', ansible_port: 1, play_ssh_config: '/dev/null' },
    });
    expect(run.results('touch')).toEqual({ h1: 'changed', down: 'unreachable' });
    expect(run.stats('down').unreachable).toBe(1);
    expect(run.results('fail h1')).toEqual({ h1: 'failed' });
    expect(run.exitCode).toBe(4);
  });

  test('forks bounds how many hosts run a task at once', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: overlap
      shell: echo start >> {{ dir }}/shared.log; sleep 0.3; echo end >> {{ dir }}/shared.log
`);
    await project.run(['h1', 'h2', 'h3', 'h4'], { forks: 1 });
    expect(readFileSync(project.path('shared.log'), 'utf8').trim().split('\n')).toEqual(['start', 'end', 'start', 'end', 'start', 'end', 'start', 'end']);
  });
});

describe('handlers', () => {
  const withHandlers = (tasks: string) => `
- hosts: all
  gather_facts: false
  tasks:
${tasks}
  handlers:
    - name: second
      shell: echo second >> {{ dir }}/{{ inventory_hostname }}.log
    - name: first
      shell: echo first >> {{ dir }}/{{ inventory_hostname }}.log
      listen: restart web
`;

  test('run once, in definition order, reached by name or listen topic; unchanged tasks notify nothing', async () => {
    playbook(
      withHandlers(`
    - { name: a, command: /bin/true, notify: restart web }
    - { name: b, command: /bin/true, notify: second }
    - { name: c, command: /bin/true, notify: [first, second] }
    - { name: d, command: /bin/true, notify: second, changed_when: false }
`),
    );
    const run = await project.run(['h1']);
    expect(run.tasks().filter((t) => t.startsWith('handler:'))).toEqual(['handler:second', 'handler:first']);
    expect(log('h1')).toEqual(['second', 'first']);
  });

  test('a handler notified only by an unchanged task does not run', async () => {
    playbook(withHandlers(`    - { name: a, command: /bin/true, notify: first, changed_when: false }`));
    const run = await project.run(['h1']);
    expect(run.tasks()).toEqual(['a']);
  });

  test('meta: flush_handlers runs them at that point', async () => {
    playbook(
      withHandlers(`
    - { name: a, command: /bin/true, notify: first }
    - meta: flush_handlers
    - { name: b, shell: 'echo b >> {{ dir }}/{{ inventory_hostname }}.log' }
`),
    );
    await project.run(['h1']);
    expect(log('h1')).toEqual(['first', 'b']);
  });

  test('not run on a host that failed after the notify, unless --force-handlers', async () => {
    const tasks = `
    - { name: a, command: /bin/true, notify: first }
    - { name: boom, command: /bin/false, when: "inventory_hostname == 'h2'" }
`;
    playbook(withHandlers(tasks));
    const run = await project.run(['h1', 'h2']);
    expect(run.results('first')).toEqual({ h1: 'changed' });
    expect(existsSync(project.path('h2.log'))).toBe(false);

    const forced = await project.run(['h1', 'h2'], { forceHandlers: true });
    expect(forced.results('first')).toEqual({ h1: 'changed', h2: 'changed' });
    expect(forced.exitCode).toBe(2);
  });
});
