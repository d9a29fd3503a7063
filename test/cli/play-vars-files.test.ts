import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyCliProject, requireBuild, runPlay } from './cli-project';

/** A templated `vars_files` entry picks its file from `-e` on the command line, as in Ansible. */
let project: string;
let out: string;

beforeAll(requireBuild);
beforeEach(() => {
  ({ dir: project, out } = copyCliProject());
  mkdirSync(join(project, 'playbooks/vars'));
  writeFileSync(join(project, 'playbooks/vars/staging.yml'), 'greeting: hello staging\n');
  writeFileSync(
    join(project, 'playbooks/by-env.yml'),
    '- hosts: web-1\n  gather_facts: false\n  vars_files: ["vars/{{ env_name }}.yml"]\n  tasks:\n    - copy:\n        content: "{{ greeting }}"\n        dest: "{{ out_dir }}/greeting.txt"\n',
  );
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

test('-e env_name=staging loads vars/staging.yml', () => {
  const run = runPlay(project, ['by-env', '-e', 'env_name=staging', '-e', `out_dir=${out}`]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(readFileSync(join(out, 'greeting.txt'), 'utf8')).toBe('hello staging');
});

test('a file missing after rendering is one error at the play, before any host is contacted', () => {
  const run = runPlay(project, ['by-env', '-e', 'env_name=production', '-e', `out_dir=${out}`]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(join(project, 'playbooks/by-env.yml'));
  expect(run.stderr).toContain('vars/production.yml');
});
