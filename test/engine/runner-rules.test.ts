import { existsSync, readFileSync } from 'node:fs';
import { projectPerTest } from './harness';

const project = projectPerTest();

const { lines, playbook } = project;
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

describe('serial and failure rules', () => {
  test('serial makes batches: every task on batch 1 before batch 2 starts', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  serial: [1, 2]
  tasks:
    - shell: echo "a {{ inventory_hostname }}" >> {{ dir }}/order.log
    - shell: echo "b {{ inventory_hostname }}" >> {{ dir }}/order.log
`);
    await project.run(hosts(3), { forks: 1 });
    expect(lines('order.log')).toEqual(['a h1', 'b h1', 'a h2', 'a h3', 'b h2', 'b h3']);
  });

  test('max_fail_percentage must be exceeded: 1 of 4 (25%) at 25 goes on, 2 of 4 stops the play', async () => {
    const yaml = (failing: string) => `
- hosts: all
  gather_facts: false
  max_fail_percentage: 25
  tasks:
    - { name: maybe fail, command: /bin/false, when: "inventory_hostname in [${failing}]" }
    - { name: next, command: /bin/true }
`;
    playbook(yaml(`'h1'`));
    const ok = await project.run(hosts(4));
    expect(Object.keys(ok.results('next')).sort()).toEqual(['h2', 'h3', 'h4']);

    playbook(yaml(`'h1', 'h2'`));
    const stopped = await project.run(hosts(4));
    expect(stopped.results('next')).toEqual({});
    expect(stopped.exitCode).toBe(2);
  });

  test('max_fail_percentage counts per batch, and a stopped batch stops the later ones', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 0
  tasks:
    - { name: maybe fail, command: /bin/false, when: "inventory_hostname == 'h2'" }
    - { name: next, command: /bin/true }
`);
    const run = await project.run(hosts(4));
    expect(run.results('maybe fail')).toEqual({ h1: 'skipped', h2: 'failed' });
    expect(run.results('next')).toEqual({});
  });

  test('any_errors_fatal stops the play for every host after the failing task', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - { name: maybe fail, command: /bin/false, when: "inventory_hostname == 'h3'" }
    - { name: next, command: /bin/true }
- hosts: all
  gather_facts: false
  tasks:
    - { name: second play, command: /bin/true }
`);
    const run = await project.run(hosts(3));
    expect(run.tasks()).toEqual(['maybe fail']);
    expect(run.exitCode).toBe(2);
  });

  test('a host that failed in a play is left out of the following plays', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: maybe fail, command: /bin/false, when: "inventory_hostname == 'h1'" }
- hosts: all
  gather_facts: false
  tasks:
    - { name: second play, command: /bin/true }
`);
    const run = await project.run(hosts(2));
    expect(run.results('second play')).toEqual({ h2: 'changed' });
  });
});

describe('block / rescue / always', () => {
  test('rescue runs for the failed host, always for all; rescued hosts count as rescued, not failed', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - { name: risky, command: /bin/false, when: "inventory_hostname == 'h1'" }
        - { name: rest of block, shell: 'echo block >> {{ dir }}/{{ inventory_hostname }}.log' }
      rescue:
        - { name: recover, shell: 'echo "rescue {{ ansible_failed_task.name }}" >> {{ dir }}/{{ inventory_hostname }}.log' }
      always:
        - { name: cleanup, shell: 'echo always >> {{ dir }}/{{ inventory_hostname }}.log' }
    - { name: after, shell: 'echo after >> {{ dir }}/{{ inventory_hostname }}.log' }
`);
    const run = await project.run(hosts(2));
    expect(lines('h1.log')).toEqual(['rescue risky', 'always', 'after']);
    expect(lines('h2.log')).toEqual(['block', 'always', 'after']);
    expect(run.stats('h1')).toMatchObject({ failed: 0, rescued: 1 });
    expect(run.exitCode).toBe(0);
  });

  test('every host failing in a rescued block does not stop the play, nor trip max_fail_percentage', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  max_fail_percentage: 0
  tasks:
    - block:
        - { name: risky, command: /bin/false }
      rescue:
        - { name: recover, command: /bin/true }
    - { name: after, command: /bin/true }
`);
    const run = await project.run(hosts(2));
    expect(run.results('after')).toEqual({ h1: 'changed', h2: 'changed' });
    expect(run.exitCode).toBe(0);
  });

  test('without rescue: always still runs, the host stays failed', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - { name: risky, command: /bin/false }
      always:
        - { name: cleanup, shell: 'echo always >> {{ dir }}/{{ inventory_hostname }}.log' }
    - { name: after, command: /bin/true }
`);
    const run = await project.run(['h1']);
    expect(lines('h1.log')).toEqual(['always']);
    expect(run.results('after')).toEqual({});
    expect(run.stats('h1').failed).toBe(1);
    expect(run.exitCode).toBe(2);
  });

  test('block keywords are inherited by its tasks (when, vars, tags)', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - { name: inner, shell: 'echo {{ word }} >> {{ dir }}/{{ inventory_hostname }}.log' }
      when: inventory_hostname == 'h2'
      vars: { word: from-block }
`);
    const run = await project.run(hosts(2));
    expect(run.results('inner')).toEqual({ h1: 'skipped', h2: 'changed' });
    expect(lines('h2.log')).toEqual(['from-block']);
  });
});

describe('loops, register, until, changed_when/failed_when, ignore_errors', () => {
  test('loop and with_items with loop_var; register holds every result', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  vars: { words: [x, y], nested: [[a, b], c] }
  tasks:
    - name: loop
      shell: echo {{ item }} >> {{ dir }}/loop.log
      loop: "{{ words }}"
      register: looped
    - name: with_items
      shell: echo {{ w }} >> {{ dir }}/loop.log
      with_items: "{{ nested }}"
      loop_control: { loop_var: w }
    - name: count
      shell: echo {{ looped.results | length }} {{ looped.results[1].item }} {{ looped.changed }} >> {{ dir }}/loop.log
`);
    const run = await project.run(['h1']);
    expect(lines('loop.log')).toEqual(['x', 'y', 'a', 'b', 'c', '2 y true']);
    expect(run.hostResults('loop').map((e) => e.item)).toEqual(['x', 'y']);
    expect(run.stats('h1')).toMatchObject({ ok: 3, changed: 3 });
  });

  test('when is evaluated per item', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: odd only
      shell: echo {{ item }} >> {{ dir }}/items.log
      loop: [1, 2, 3]
      when: item != 2
`);
    await project.run(['h1']);
    expect(lines('items.log')).toEqual(['1', '3']);
  });

  test('until retries until the condition holds, then reports attempts', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: third time lucky
      shell: echo x >> {{ dir }}/tries; wc -l < {{ dir }}/tries
      register: tries
      until: tries.stdout | int >= 3
      retries: 5
      delay: 0
    - name: never
      command: /bin/false
      register: never
      until: never.rc == 0
      retries: 2
      delay: 0
`);
    const run = await project.run(['h1']);
    expect(lines('tries')).toHaveLength(3);
    expect(run.results('third time lucky')).toEqual({ h1: 'changed' });
    const failure = run.hostResults('never')[0];
    expect(failure.status).toBe('failed');
    expect(failure.failure?.msg).toMatch(/after 3 attempts/);
  });

  test('failed_when, changed_when and ignore_errors', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: grep finds nothing
      command: grep nothing /dev/null
      register: g
      failed_when: g.rc > 1
      changed_when: false
    - name: ignored
      command: /bin/false
      ignore_errors: true
    - name: still here
      command: /bin/true
`);
    const run = await project.run(['h1']);
    expect(run.results('grep finds nothing')).toEqual({ h1: 'ok' });
    expect(run.hostResults('ignored')[0]).toMatchObject({ status: 'failed', ignored: true });
    // as in Ansible, a command that ran counts as changed even when its failure is ignored
    expect(run.stats('h1')).toMatchObject({ ok: 3, changed: 2, failed: 0, ignored: 1 });
    expect(run.exitCode).toBe(0);
  });
});

describe('variables at run time', () => {
  test('set_fact beats play vars, extra vars beat set_fact; role defaults lose to inventory', async () => {
    project.write({
      'roles/r/defaults/main.yml': 'port: 80\nname_from: default\n',
      'roles/r/tasks/main.yml': `- shell: echo "{{ port }} {{ name_from }} {{ fact }} {{ forced }}" >> {{ dir }}/vars.log\n`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  vars: { fact: play, forced: play }
  pre_tasks:
    - set_fact: { fact: set_fact, forced: set_fact }
  roles: [r]
`);
    await project.run({ h1: { port: 8080 } }, { extraVars: { forced: 'extra' } });
    expect(lines('vars.log')).toEqual(['8080 default set_fact extra']);
  });

  test('the whole precedence chain at run time, each level over the one below', async () => {
    // level n defines v_n and every v above it, so v_n is decided by level n exactly when level n beats every level below it
    const levels = ['defaults', 'inventory', 'play', 'vars_file', 'role_vars', 'block', 'task', 'set_fact', 'extra'];
    const fromLevel = (n: number) => Object.fromEntries(levels.slice(n).map((_, i) => [`v${n + i}`, levels[n]]));
    const yamlMap = (vars: Record<string, string>) => JSON.stringify(vars);
    project.write({
      'roles/r/defaults/main.yml': yamlMap(fromLevel(0)),
      'roles/r/vars/main.yml': yamlMap(fromLevel(4)),
      'playbooks/vars.yml': yamlMap(fromLevel(3)),
      'roles/r/tasks/main.yml': `
- set_fact: ${yamlMap(fromLevel(7))}
- block:
    - shell: echo "${levels.map((_, i) => `{{ v${i} }}`).join(' ')}" >> {{ dir }}/precedence.log
      vars: ${yamlMap(fromLevel(6))}
  vars: ${yamlMap(fromLevel(5))}
`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  vars: ${yamlMap(fromLevel(2))}
  vars_files: [vars.yml]
  roles: [r]
`);
    await project.run({ h1: fromLevel(1) }, { extraVars: fromLevel(8) });
    expect(lines('precedence.log')).toEqual([levels.join(' ')]);
  });

  test('a templated argument is type-checked after rendering, naming the argument', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  vars: { want: [1, 2] }
  tasks:
    - name: typed late
      copy: { dest: "{{ dir }}/x", content: "x", backup: "{{ want }}" }
`);
    const run = await project.run(['h1']);
    const failure = run.hostResults('typed late')[0].failure?.msg ?? '';
    expect(failure).toContain(`${project.path('playbooks/test.yml')}:6`);
    expect(failure).toContain("argument 'backup'");
  });

  test('an undefined variable fails the task with file, line and name', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: uses a typo
      command: echo {{ no_such_var }}
`);
    const run = await project.run(['h1']);
    const msg = run.hostResults('uses a typo')[0].failure?.msg ?? '';
    expect(msg).toContain('no_such_var');
    expect(msg).toContain(`${project.path('playbooks/test.yml')}:5`);
    expect(run.exitCode).toBe(2);
  });
});

describe('tags at run time', () => {
  test('--tags runs matching and always-tagged tasks; never needs its tag; tags inherit from roles', async () => {
    project.write({ 'roles/web/tasks/main.yml': '- { name: role task, command: /bin/true }\n' });
    playbook(`
- hosts: all
  gather_facts: false
  roles:
    - { role: web, tags: web }
  tasks:
    - { name: untagged, command: /bin/true }
    - { name: always, command: /bin/true, tags: always }
    - { name: debug only, command: /bin/true, tags: [never, debug] }
`);
    expect((await project.run(['h1'], { tags: { only: ['web'], skip: [] } })).tasks()).toEqual(['role task', 'always']);
    expect((await project.run(['h1'])).tasks()).toEqual(['role task', 'untagged', 'always']);
    expect((await project.run(['h1'], { tags: { only: ['debug'], skip: [] } })).tasks()).toEqual(['always', 'debug only']);
    expect((await project.run(['h1'], { tags: { only: [], skip: ['web', 'always'] } })).tasks()).toEqual(['untagged']);
  });
});

describe('check and diff', () => {
  test('--check changes nothing but predicts; check_mode: false still runs', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: write file
      copy: { dest: "{{ dir }}/out.txt", content: "hello\\n" }
    - name: forced
      shell: echo ran > {{ dir }}/forced.txt
      check_mode: false
`);
    const run = await project.run(['h1'], { check: true });
    expect(run.results('write file')).toEqual({ h1: 'changed' });
    expect(existsSync(project.path('out.txt'))).toBe(false);
    expect(existsSync(project.path('forced.txt'))).toBe(true);
  });

  test('--diff shows a unified diff; no_log hides it', async () => {
    project.write({ 'old.txt': 'a\nb\n', 'secret.txt': 'old\n' });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: edit
      copy: { dest: "{{ dir }}/old.txt", content: "a\\nc\\n" }
    - name: secret
      copy: { dest: "{{ dir }}/secret.txt", content: "hunter2-password\\n" }
      no_log: true
`);
    const run = await project.run(['h1'], { diff: true });
    const diff = run.hostResults('edit')[0].diffs?.join('\n') ?? '';
    expect(diff).toContain('-b');
    expect(diff).toContain('+c');
    const hidden = JSON.stringify(run.hostResults('secret'));
    expect(hidden).not.toContain('hunter2');
    expect(hidden).toContain('content hidden');
    expect(readFileSync(project.path('old.txt'), 'utf8')).toBe('a\nc\n');
  });
});

describe('includes, imports and delegation', () => {
  test('import_tasks is static and passes its tags; include_tasks is dynamic, per host, with loops', async () => {
    project.write({
      'playbooks/static.yml': '- { name: imported, command: /bin/true }\n',
      'playbooks/dyn-h1.yml': '- { name: "dyn {{ n }}", shell: "echo h1-{{ n }} >> {{ dir }}/inc.log" }\n',
      'playbooks/dyn-h2.yml': '- { name: "dyn {{ n }}", shell: "echo h2-{{ n }} >> {{ dir }}/inc.log" }\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - import_tasks: static.yml
      tags: imp
    - include_tasks: dyn-{{ inventory_hostname }}.yml
      loop: [1, 2]
      loop_control: { loop_var: n }
`);
    const run = await project.run(['h1', 'h2'], { forks: 1 });
    expect(lines('inc.log').sort()).toEqual(['h1-1', 'h1-2', 'h2-1', 'h2-2']);
    const listed = await project.run(['h1'], { tags: { only: ['imp'], skip: [] } });
    expect(listed.tasks()).toEqual(['imported']);
    expect(run.exitCode).toBe(0);
  });

  test('include_tasks reads its file as it is when the include runs, also when an earlier task of the play rewrote it', async () => {
    project.write({ 'playbooks/generated.yml': '- { name: old, command: /bin/true }\n' });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    # Its probes are gathered with those of the tasks after it, the included file's among them.
    - name: probed ahead
      stat: { path: "{{ dir }}" }
    - name: write the tasks file
      copy:
        dest: "{{ dir }}/playbooks/generated.yml"
        content: "- { name: new, command: /bin/true }\\n"
    - include_tasks: generated.yml
    - include_tasks: generated.yml
`);
    const run = await project.run(['h1', 'h2']);
    expect(run.tasks().filter((name) => name === 'old' || name === 'new')).toEqual(['new', 'new']);
    expect(run.exitCode).toBe(0);
  });

  test('delegate_to: localhost runs on the controller for each host', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: delegated
      shell: echo "{{ inventory_hostname }}" >> {{ dir }}/delegated.log
      delegate_to: localhost
`);
    const run = await project.run(['h1', 'h2']);
    expect(lines('delegated.log').sort()).toEqual(['h1', 'h2']);
    expect(run.hostResults('delegated').map((e) => e.delegatedTo)).toEqual(['localhost', 'localhost']);
  });
});
