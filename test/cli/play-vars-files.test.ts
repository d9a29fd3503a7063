import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliProjectPerTest, runPlay } from './cli-project';

/** A templated `vars_files` entry picks its file from `-e` on the command line, as in Ansible. */
const fixture = cliProjectPerTest();
beforeEach(() => {
  mkdirSync(join(fixture.dir, 'playbooks/vars'));
  writeFileSync(join(fixture.dir, 'playbooks/vars/staging.yml'), 'greeting: hello staging\n');
  writeFileSync(
    join(fixture.dir, 'playbooks/by-env.yml'),
    '- hosts: web-1\n  gather_facts: false\n  vars_files: ["vars/{{ env_name }}.yml"]\n  tasks:\n    - copy:\n        content: "{{ greeting }}"\n        dest: "{{ out_dir }}/greeting.txt"\n',
  );
});

test('-e env_name=staging loads vars/staging.yml', () => {
  const run = runPlay(fixture.dir, ['by-env', '-e', 'env_name=staging', '-e', `out_dir=${fixture.out}`]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(readFileSync(join(fixture.out, 'greeting.txt'), 'utf8')).toBe('hello staging');
});

test('a file missing after rendering is one error at the play, before any host is contacted', () => {
  const run = runPlay(fixture.dir, ['by-env', '-e', 'env_name=production', '-e', `out_dir=${fixture.out}`]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(join(fixture.dir, 'playbooks/by-env.yml'));
  expect(run.stderr).toContain('vars/production.yml');
});
