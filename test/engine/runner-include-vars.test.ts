import { Redactor } from '../../src/data/redaction';
import { getModule } from '../../src/modules';
import { encryptVault, VaultPasswords } from '../../src/vault';
import { projectPerTest } from './harness';

const project = projectPerTest();

const { lines, playbook } = project;

describe('include_vars', () => {
  test('free form and file: wins over play and role vars, loses to -e; searched in the role vars/ before the playbook', async () => {
    project.write({
      'playbooks/common.yml': 'color: from-file\nsize: from-file\nshared: playbook\n',
      'roles/web/vars/main.yml': 'color: role-vars\n',
      'roles/web/vars/shared.yml': 'shared: role\ncolor: role-file\n',
      'playbooks/shared.yml': 'shared: playbook-file\n',
      'roles/web/tasks/main.yml': `
- include_vars: { file: shared.yml }
- shell: echo "{{ shared }} {{ color }}" >> {{ dir }}/out.log
`,
    });
    playbook(`
- hosts: all
  gather_facts: false
  vars: { color: play, size: play, level: play }
  roles: [web]
  tasks:
    - include_vars: common.yml
    - shell: echo "{{ color }} {{ size }} {{ level }}" >> {{ dir }}/out.log
`);
    const run = await project.run(['h1'], { extraVars: { size: 'extra' } });
    expect(run.exitCode).toBe(0);
    expect(lines('out.log')).toEqual(['role role-file', 'from-file extra play']);
  });

  test('name: puts the variables under one key; dir: every .yml/.yaml/.json in name order, files_matching and ignore_files', async () => {
    project.write({
      'playbooks/vars/conf/10-base.yml': 'a: base\nb: base\n',
      'playbooks/vars/conf/20-over.json': '{"b": "json"}\n',
      'playbooks/vars/conf/30-skip.yaml': 'a: skipped\n',
      'playbooks/vars/conf/notes.txt': 'a: not vars\n',
      'playbooks/vars/conf/40-extra.yml': 'c: extra\n',
    });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - include_vars: { dir: conf, ignore_files: [30-skip.yaml], name: conf }
      register: loaded
    - include_vars: { dir: conf, files_matching: '^40-' }
    - shell: echo "{{ conf.a }} {{ conf.b }} {{ conf.c }} {{ c }} {{ conf | length }} {{ loaded.ansible_included_var_files | length }}" >> {{ dir }}/out.log
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(lines('out.log')).toEqual(['base json extra extra 3 3']);
  });

  test('a vault-encrypted file is decrypted with the run password and its values are redacted in the output', async () => {
    project.write({ 'playbooks/secret.yml': encryptVault('db_password: hunter2-s3cret\n', 'pw') });
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - include_vars: secret.yml
    - shell: echo "{{ db_password }}" > {{ dir }}/out.log
    - debug: { msg: "password is {{ db_password }}" }
`);
    const secrets = new Redactor();
    const vault = VaultPasswords.fromPassword('pw');
    const run = await project.run(['h1'], { secrets, loadOptions: { module: getModule, vault, secrets } });
    expect(run.exitCode).toBe(0);
    expect(lines('out.log')).toEqual(['hunter2-s3cret']);
    expect(secrets.fromVault('hunter2-s3cret')).toBe(true);
    const shown = JSON.stringify(run.events.map((event) => secrets.redactValue(event)));
    expect(shown).toContain('password is ********');
    expect(shown).not.toContain('hunter2');
  });

  test('a missing file fails the task on the host, naming the file', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: load
      include_vars: nowhere.yml
    - name: after
      debug: { msg: unreachable }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(2);
    expect(run.results('load')).toEqual({ h1: 'failed' });
    expect(run.hostResults('load')[0].failure?.msg).toContain('include_vars: file not found: nowhere.yml');
    expect(run.tasks()).toEqual(['load']);
  });
});
