import { readFileSync, writeFileSync } from 'node:fs';
import { Redactor } from '../../src/data/redaction';
import { getModule } from '../../src/modules';
import { encryptVault, VaultPasswords } from '../../src/vault';
import { projectPerTest, type Run } from './harness';

/** Secret file contents reach neither --diff nor the events: vaulted `copy src:` files, templates rendering vault values. */

const project = projectPerTest();

const PASSWORD = 'pw';

async function runWithVault(options: { check?: boolean } = {}): Promise<{ run: Run; secrets: Redactor; shown: string }> {
  const secrets = new Redactor();
  const vault = VaultPasswords.fromPassword(PASSWORD);
  const run = await project.run(['h1'], { ...options, diff: true, secrets, loadOptions: { module: getModule, vault, secrets } });
  // what the console and --json print: every event goes through the run's redaction
  const shown = JSON.stringify(run.events.map((event) => secrets.redactValue(event)));
  return { run, secrets, shown };
}

describe('copy src: of a vault-encrypted file', () => {
  test('deploys the decrypted content, registered as a vault secret, and never shows it', async () => {
    const plain = 'api_key=hunter2-s3cret\nregion=eu-west-1\n';
    project.write({
      'playbooks/files/app.env': encryptVault(plain, PASSWORD),
      'playbooks/files/tree/nested.env': encryptVault(plain, PASSWORD),
      'playbooks/files/tree/readme.txt': 'not secret\n',
    });
    project.playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - copy: { src: app.env, dest: "{{ dir }}/app.env" }
      register: copied
    - copy: { src: tree/, dest: "{{ dir }}/tree" }
    - debug: { var: copied }
`);
    const { run, secrets, shown } = await runWithVault();
    expect(run.exitCode).toBe(0);
    expect(readFileSync(project.path('app.env'), 'utf8')).toBe(plain);
    expect(readFileSync(project.path('tree/nested.env'), 'utf8')).toBe(plain);
    expect(readFileSync(project.path('tree/readme.txt'), 'utf8')).toBe('not secret\n');
    expect(secrets.fromVault(plain)).toBe(true);
    expect(shown).not.toContain('hunter2');
    const diffs = run.events.flatMap((event) => (event.type === 'host_result' ? (event.diffs ?? []) : []));
    expect(diffs.filter((d) => d.includes('app.env') || d.includes('nested.env')).every((d) => d.includes('content hidden'))).toBe(true);
    expect(diffs.find((d) => d.includes('readme.txt'))).toContain('+not secret');
  });

  test('a wrong vault password fails the task, naming the file', async () => {
    project.write({ 'playbooks/files/app.env': encryptVault('x=1\n', 'another password') });
    project.playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - copy: { src: app.env, dest: "{{ dir }}/out.env" }
`);
    const { run } = await runWithVault();
    expect(run.exitCode).not.toBe(0);
    expect(JSON.stringify(run.hostResults('copy'))).toMatch(/app\.env: vault: decryption failed/);
  });
});

describe('--check --diff of a template whose content holds a secret', () => {
  test('hides the diff: the old value on the host is not printed beside the masked new one', async () => {
    project.write({
      'playbooks/vault.yml': encryptVault('db_password: n3w-pa55word\n', PASSWORD),
      'playbooks/templates/db.conf.hbs': 'user=app\npassword={{ db_password }}\n',
    });
    writeFileSync(project.path('db.conf'), 'user=app\npassword=old-pa55word\n');
    project.playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - include_vars: vault.yml
    - template: { src: db.conf.hbs, dest: "{{ dir }}/db.conf" }
`);
    const { run, shown } = await runWithVault({ check: true });
    expect(run.exitCode).toBe(0);
    expect(run.results('template')).toEqual({ h1: 'changed' });
    expect(readFileSync(project.path('db.conf'), 'utf8')).toBe('user=app\npassword=old-pa55word\n');
    expect(shown).not.toContain('old-pa55word');
    expect(shown).not.toContain('n3w-pa55word');
    expect(shown).toContain('content hidden');
  });

  test('a template without secrets still shows its diff', async () => {
    project.write({ 'playbooks/templates/plain.conf.hbs': 'port={{ port }}\n' });
    writeFileSync(project.path('plain.conf'), 'port=80\n');
    project.playbook(`
- hosts: all
  gather_facts: false
  vars: { port: 8080 }
  tasks:
    - template: { src: plain.conf.hbs, dest: "{{ dir }}/plain.conf" }
`);
    const { shown } = await runWithVault({ check: true });
    expect(shown).toContain('-port=80');
    expect(shown).toContain('+port=8080');
  });
});
