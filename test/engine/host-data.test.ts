import { chmodSync, readFileSync } from 'node:fs';
import { projectPerTest, type Run } from './harness';

/**
 * What a host sends back (registered results, facts) is data: a `{{ }}` in it is text, never a
 * template the controller renders. Otherwise a host could read the controller's files and
 * environment (the vault password included) through `lookup`.
 */

const project = projectPerTest();

const { playbook } = project;

const ENV_NAME = 'PLAY_TEST_HOST_DATA_SECRET';
const ENV_SECRET = 'env-secret-d7f1c0';
const FILE_SECRET = 'controller-file-secret-91ab3e';

beforeEach(() => {
  process.env[ENV_NAME] = ENV_SECRET;
});

afterAll(() => {
  delete process.env[ENV_NAME];
});

/** A host file whose content would read the controller's secrets if it were rendered. */
function hostilePayload(): string {
  project.write({ 'controller/secret.txt': `${FILE_SECRET}\n` });
  return `{{ lookup('file', '${project.path('controller/secret.txt')}') }} and {{ lookup('env', '${ENV_NAME}') }}`;
}

function expectNoSecretIn(run: Run): void {
  const events = JSON.stringify(run.events);
  expect(events).not.toContain(FILE_SECRET);
  expect(events).not.toContain(ENV_SECRET);
}

describe('what a host returns is data, never a template', () => {
  test('registered output written by copy, shown by debug and kept by set_fact stays the text the host sent', async () => {
    const payload = hostilePayload();
    project.write({ 'host/page.txt': `${payload}\n` });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: fetch
      shell: cat {{ dir }}/host/page.txt
      register: page
    - name: write
      copy: { dest: "{{ dir }}/copied.txt", content: "{{ page.stdout }}" }
    - name: show
      debug: { msg: "{{ page.stdout }}" }
    - name: show lines
      debug: { var: page.stdout_lines }
    - set_fact: { kept: "{{ page.stdout }}", whole: "{{ page }}" }
    - name: show kept
      debug: { msg: "{{ kept }}|{{ whole.stdout }}|{{ hostvars[inventory_hostname].kept }}" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(project.path('copied.txt'), 'utf8')).toBe(payload);
    expect(run.hostResults('show')[0].result).toEqual({ msg: payload });
    expect(run.hostResults('show lines')[0].result).toEqual({ 'page.stdout_lines': [payload] });
    expect(run.hostResults('show kept')[0].result).toEqual({ msg: `${payload}|${payload}|${payload}` });
    expectNoSecretIn(run);
  });

  test('a failed result seen in rescue (ansible_failed_result) stays the text the host sent', async () => {
    const payload = hostilePayload();
    project.write({ 'host/error.txt': `${payload}\n` });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - shell: cat {{ dir }}/host/error.txt >&2; exit 3
      rescue:
        - name: show
          debug: { msg: "{{ ansible_failed_result.stderr }}" }
`);
    const run = await project.run(['h1']);
    expect(run.hostResults('show')[0].result).toEqual({ msg: payload });
    expect(JSON.stringify(run.hostResults('show'))).not.toContain(ENV_SECRET);
    expect(JSON.stringify(run.hostResults('show'))).not.toContain(FILE_SECRET);
  });

  test('a fact (python found in a PATH directory named like a template) stays the text the host sent', async () => {
    const dirName = `{{ lookup('env', '${ENV_NAME}') }}`;
    project.write({ [`host/bin/${dirName}/python3`]: '#!/bin/sh\n' });
    chmodSync(project.path(`host/bin/${dirName}/python3`), 0o755);
    const python = project.path(`host/bin/${dirName}/python3`);
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - setup: {}
      environment: { PATH: !unsafe "${project.path('host/bin')}/${dirName}:/usr/local/bin:/usr/bin:/bin" }
    - name: show
      debug: { msg: "{{ ansible_python.executable }}|{{ ansible_facts.python.executable }}|{{ hostvars[inventory_hostname].ansible_python.executable }}" }
    - name: write
      copy: { dest: "{{ dir }}/python.txt", content: "{{ ansible_python.executable }}" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(run.hostResults('show')[0].result).toEqual({ msg: `${python}|${python}|${python}` });
    expect(readFileSync(project.path('python.txt'), 'utf8')).toBe(python);
    expectNoSecretIn(run);
  });

  test('include_tasks looping over registered lines gets them as data', async () => {
    const payload = hostilePayload();
    project.write({
      'host/lines.txt': `plain\n${payload}\n`,
      'playbooks/each.yml': `
- name: show
  debug: { msg: "{{ line }}" }
`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - shell: cat {{ dir }}/host/lines.txt
      register: listing
    - include_tasks: each.yml
      loop: "{{ listing.stdout_lines }}"
      loop_control: { loop_var: line }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(run.hostResults('show').map((r) => r.result)).toEqual([{ msg: 'plain' }, { msg: payload }]);
    expectNoSecretIn(run);
  });

  test('!unsafe stays unsafe through set_fact, register and hostvars; what the playbook writes is still rendered', async () => {
    project.write({ 'playbooks/vars.yml': 'from_file: "file {{ base }}"\n' });
    playbook(`
- hosts: all
  gather_facts: false
  vars:
    base: rendered
    play_literal: !unsafe "{{ lookup('env', '${ENV_NAME}') }}"
  tasks:
    - set_fact:
        literal: !unsafe "{{ lookup('env', '${ENV_NAME}') }}"
        templated: "fact {{ base }}"
    - name: said
      debug: { msg: !unsafe "{{ lookup('env', '${ENV_NAME}') }}" }
      register: said
    - include_vars: vars.yml
    - name: show
      debug: { msg: "{{ literal }}|{{ said.msg }}|{{ hostvars[inventory_hostname].play_literal }}|{{ templated }}|{{ from_file }}" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    const literal = `{{ lookup('env', '${ENV_NAME}') }}`;
    expect(run.hostResults('show')[0].result).toEqual({ msg: `${literal}|${literal}|${literal}|fact rendered|file rendered` });
    expectNoSecretIn(run);
  });
  test('a module loop over registered lines hands each item over as text', async () => {
    const payload = hostilePayload();
    project.write({ 'host/lines.txt': `${payload}\n` });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - shell: cat {{ dir }}/host/lines.txt
      register: lines
    - name: write
      copy: { dest: "{{ dir }}/item.txt", content: "{{ item }}" }
      loop: "{{ lines.stdout_lines }}"
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(project.path('item.txt'), 'utf8')).toBe(payload);
    expectNoSecretIn(run);
  });

  test('changed_when, failed_when and until judge the text the host sent, never a rendering of it', async () => {
    project.write({ 'host/probe.txt': `{{ lookup('env', '${ENV_NAME}') }}\n` });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: guess
      shell: cat {{ dir }}/host/probe.txt
      register: probe
      changed_when: probe.stdout == '${ENV_SECRET}'
      failed_when: probe.stdout == '${ENV_SECRET}'
      until: probe.stdout != '${ENV_SECRET}'
      retries: 1
      delay: 0
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(run.results('guess')).toEqual({ h1: 'ok' });
  });
});
