import { PlaybookError } from '../../src/engine/playbook/errors';
import { Redactor } from '../../src/data/redaction';
import { projectPerTest } from './harness';

/** run_once, environment and --start-at-task, on local hosts running real commands. */
const project = projectPerTest();

const { lines, playbook } = project;

describe('run_once', () => {
  test('runs on the first host only; its result is registered and its facts set on every host; reported for that host', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: once
      shell: echo {{ inventory_hostname }} >> {{ dir }}/once.log; echo from-{{ inventory_hostname }}
      register: out
      run_once: true
    - { name: fact once, set_fact: { chosen: "{{ inventory_hostname }}" }, run_once: true }
    - shell: echo "{{ out.stdout }} {{ chosen }}" >> {{ dir }}/{{ inventory_hostname }}.log
`);
    const run = await project.run(['h1', 'h2', 'h3']);
    expect(lines('once.log')).toEqual(['h1']);
    expect(run.results('once')).toEqual({ h1: 'changed' });
    for (const host of ['h1', 'h2', 'h3']) expect(lines(`${host}.log`)).toEqual(['from-h1 h1']);
    expect(run.stats('h1')).toMatchObject({ ok: 3, changed: 2 });
    expect(run.stats('h2')).toMatchObject({ ok: 1, changed: 1 });
    expect(run.exitCode).toBe(0);
  });

  test('inherited from a block; handlers it notifies run on every host; with serial once per batch', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - block:
        - { name: once, shell: "echo {{ inventory_hostname }} >> {{ dir }}/once.log", notify: restart }
      run_once: true
  handlers:
    - { name: restart, shell: "echo {{ inventory_hostname }} >> {{ dir }}/handler.log" }
`);
    const run = await project.run(['h1', 'h2', 'h3']);
    expect(lines('once.log')).toEqual(['h1', 'h3']);
    expect(lines('handler.log').sort()).toEqual(['h1', 'h2', 'h3']);
    expect(run.exitCode).toBe(0);
  });

  test('the first active host runs it, even delegated to localhost; a failure fails every host of the batch', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: break h1, command: /bin/false, when: inventory_hostname == 'h1' }
    - name: delegated
      shell: echo {{ inventory_hostname }} >> {{ dir }}/delegated.log
      run_once: true
      delegate_to: localhost
    - { name: fails once, command: /bin/false, run_once: true }
    - { name: never, command: /bin/true }
`);
    const run = await project.run(['h1', 'h2', 'h3']);
    expect(lines('delegated.log')).toEqual(['h2']);
    expect(run.results('fails once')).toEqual({ h2: 'failed' });
    expect(run.tasks()).not.toContain('never');
    expect(run.stats('h3')).toMatchObject({ failed: 1 });
    expect(run.exitCode).toBe(2);
  });
});

describe('environment', () => {
  test('play, role, block and task levels merge, the inner winning; values are rendered per host', async () => {
    project.write({
      'roles/envy/tasks/main.yml': `
- name: role task
  shell: echo "$LEVEL $PLAY_ONLY $ROLE_ONLY" >> {{ dir }}/role.log
`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  environment: { LEVEL: play, PLAY_ONLY: "p-{{ inventory_hostname }}" }
  roles:
    - { role: envy, environment: { LEVEL: role, ROLE_ONLY: r } }
  tasks:
    - block:
        - name: task level
          shell: echo "$LEVEL $PLAY_ONLY $BLOCK_ONLY" >> {{ dir }}/{{ inventory_hostname }}.log
          environment: { LEVEL: task }
        - name: block level
          shell: echo "$LEVEL" >> {{ dir }}/{{ inventory_hostname }}.log
      environment: { LEVEL: block, BLOCK_ONLY: 7 }
    - name: from a variable
      shell: echo "$LEVEL $PROXY" >> {{ dir }}/{{ inventory_hostname }}.log
      environment: "{{ proxy_env }}"
      vars: { proxy_env: { PROXY: "http://proxy.{{ inventory_hostname }}" } }
    - { name: notify, command: /bin/true, notify: handler }
  handlers:
    - { name: handler, shell: "echo handler $LEVEL >> {{ dir }}/{{ inventory_hostname }}.log" }
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.exitCode).toBe(0);
    expect(lines('role.log')).toEqual(['role p-h1 r', 'role p-h2 r']);
    expect(lines('h2.log')).toEqual(['task p-h2 7', 'block', 'play http://proxy.h2', 'handler play']);
  });

  test('a templated environment that is not a mapping fails the task on that host', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: bad env, command: /bin/true, environment: "{{ not_a_dict }}", vars: { not_a_dict: [1] } }
`);
    const run = await project.run(['h1']);
    expect(run.hostResults('bad env')[0].failure?.msg).toContain('environment: expected a mapping');
    expect(run.exitCode).toBe(2);
  });

  test('a vault value in the environment makes the task secret: its diff is hidden', async () => {
    const secrets = new Redactor();
    secrets.add('s3cret-token', 'vault');
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: uses the token
      copy: { dest: "{{ dir }}/out.txt", content: "visible\\n" }
      environment: { TOKEN: "{{ token }}" }
`);
    const run = await project.run(['h1'], { secrets, diff: true, extraVars: { token: 's3cret-token' } });
    const [result] = run.hostResults('uses the token');
    expect(result.status).toBe('changed');
    expect(result.diffs?.join('\n')).toContain('content hidden');
    expect(result.diffs?.join('\n')).not.toContain('visible');
  });

  test('invalid names and values are load-time errors naming file:line', () => {
    playbook(`
- hosts: all
  tasks:
    - command: /bin/true
      environment: { "BAD-NAME": x }
`);
    expect(() => project.load()).toThrow(new PlaybookError(`environment: "BAD-NAME" is not a valid environment variable name`, { file: project.path('playbooks/test.yml'), line: 5 }));
    playbook(`
- hosts: all
  environment: [A]
  tasks: []
`);
    expect(() => project.load()).toThrow(`${project.path('playbooks/test.yml')}:3: environment: expected a mapping of environment variables, got a list`);
    playbook(`
- hosts: all
  tasks:
    - block: []
      environment: { NESTED: { a: 1 } }
`);
    expect(() => project.load()).toThrow(`${project.path('playbooks/test.yml')}:5: environment: NESTED: expected a string`);
  });
});

describe('--start-at-task', () => {
  test('skips the tasks before the first match (by name or role : name) in earlier plays too; handlers still run', async () => {
    project.write({
      'roles/web/tasks/main.yml': `
- { name: configure, shell: "echo web-configure >> {{ dir }}/run.log", notify: reload }
- { name: after, shell: "echo web-after >> {{ dir }}/run.log" }
`,
      'roles/web/handlers/main.yml': '- { name: reload, shell: "echo reload >> {{ dir }}/run.log" }\n',
    });
    playbook(`
- hosts: all
  tasks:
    - { name: first play, shell: "echo first-play >> {{ dir }}/run.log" }
- hosts: all
  gather_facts: false
  roles: [web]
  tasks:
    - block:
        - { name: in block, shell: "echo in-block >> {{ dir }}/run.log" }
    - { name: configure, shell: "echo play-configure >> {{ dir }}/run.log" }
- hosts: all
  gather_facts: false
  tasks:
    - { name: last play, shell: "echo last-play >> {{ dir }}/run.log" }
`);
    const byRole = await project.run(['h1'], { startAtTask: 'web : after' });
    expect(lines('run.log')).toEqual(['web-after', 'in-block', 'play-configure', 'last-play']);
    expect(byRole.tasks()).not.toContain('Gathering Facts');

    project.write({ 'run.log': '' });
    await project.run(['h1'], { startAtTask: 'configure' });
    expect(lines('run.log').filter(Boolean)).toEqual(['web-configure', 'web-after', 'in-block', 'play-configure', 'reload', 'last-play']);
  });

  test('every batch of the play starts at the task', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - { name: skipped, shell: "echo skipped >> {{ dir }}/run.log" }
    - { name: start, shell: "echo {{ inventory_hostname }} >> {{ dir }}/run.log" }
`);
    await project.run(['h1', 'h2'], { startAtTask: 'start' });
    expect(lines('run.log')).toEqual(['h1', 'h2']);
  });
});

describe("a play's keywords on its handlers", () => {
  // As ansible-core 2.14 does: a handler inherits the keywords of its play and its role's entry (ignore_errors, no_log, diff, check_mode, run_once...).
  const notifying = (keywords: string, handler: string) => `
- hosts: all
  gather_facts: false
${keywords}
  tasks:
    - { name: notify, command: /bin/true, changed_when: true, check_mode: false, notify: handler }
  handlers:
    - name: handler
${handler}
`;

  test('ignore_errors: a failing handler is ignored, the host does not fail', async () => {
    playbook(notifying('  ignore_errors: true', '      command: /bin/false'));
    const run = await project.run(['h1']);
    expect(run.results('handler')).toEqual({ h1: 'failed' });
    expect(run.stats('h1')).toMatchObject({ failed: 0, ignored: 1 });
    expect(run.exitCode).toBe(0);
  });

  test("no_log: the handler's output is hidden", async () => {
    playbook(notifying('  no_log: true', '      shell: echo handler-said-hunter2'));
    const run = await project.run(['h1'], { verbosity: 1 });
    expect(run.results('handler')).toEqual({ h1: 'changed' });
    const [result] = run.hostResults('handler');
    expect(result.result).toMatchObject({ censored: expect.stringContaining('no_log') });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  test("diff: the handler's change is shown without --diff", async () => {
    project.write({ 'file.txt': 'old\n' });
    playbook(notifying('  diff: true', '      copy: { dest: "{{ dir }}/file.txt", content: "new\\n" }'));
    const run = await project.run(['h1']);
    const diff = run.hostResults('handler')[0].diffs?.join('\n') ?? '';
    expect(diff).toContain('-old');
    expect(diff).toContain('+new');
  });

  test('run_once: the handler runs on the first host only', async () => {
    playbook(notifying('  run_once: true', '      shell: echo {{ inventory_hostname }} >> {{ dir }}/handler.log'));
    const run = await project.run(['h1', 'h2']);
    expect(lines('handler.log')).toEqual(['h1']);
    // h2 had no result at all: ansible-core's recap leaves it out
    expect(Object.keys(run.summary.stats)).toEqual(['h1']);
    expect(run.exitCode).toBe(0);
  });

  test("a role entry's keywords reach the role's handlers", async () => {
    project.write({
      'roles/r/tasks/main.yml': '- { name: notify, command: /bin/true, changed_when: true, notify: [fails, talks] }\n',
      'roles/r/handlers/main.yml': '- { name: fails, command: /bin/false }\n- { name: talks, shell: echo role-handler-said-hunter2 }\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  roles:
    - { role: r, ignore_errors: true, no_log: true }
`);
    const run = await project.run(['h1'], { verbosity: 1 });
    expect(run.results('fails')).toEqual({ h1: 'failed' });
    expect(run.stats('h1')).toMatchObject({ failed: 0, ignored: 1 });
    expect(JSON.stringify(run.hostResults('talks'))).not.toContain('hunter2');
    expect(run.hostResults('talks')[0].result).toMatchObject({ censored: expect.stringContaining('no_log') });
  });

  test('check_mode: the handler reports the change and makes none', async () => {
    project.write({ 'file.txt': 'old\n' });
    playbook(notifying('  check_mode: true', '      copy: { dest: "{{ dir }}/file.txt", content: "new\\n" }'));
    const run = await project.run(['h1']);
    expect(run.results('handler')).toEqual({ h1: 'changed' });
    expect(lines('file.txt')).toEqual(['old']);
  });
});
