import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';
import { runPlay } from '../e2e/support/play-cli';

/**
 * A play's `remote_user` is the login of everything the play runs on a host without
 * `ansible_user`, its handlers included, as in Ansible: real sshd behind a bastion, a login user
 * made for the run, and an ssh config that names no user for the target (so the controller's own
 * user, root, would be the login otherwise).
 */
let lab: SshdLab;
let project: string;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 1, withUser: true });
  project = join(lab.dir, 'project');
  mkdirSync(join(project, 'inventory'), { recursive: true });
  lab.writeFile(
    'project/inventory/ssh.config',
    `Host bastion\n  HostName ${lab.bastion.address}\n  User root\n\n${lab.hostBlocks()}\nHost t01\n  ProxyJump bastion\n\nHost *\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${join(project, 'inventory/known_hosts')}\n`,
  );
  lab.writeFile('project/inventory/hosts.yml', `all:\n  vars:\n    play_ssh_config: ssh.config\n  hosts:\n    t01: {}\n`);
  lab.writeFile(
    'project/login.yml',
    [
      '- hosts: t01',
      `  remote_user: ${lab.user}`,
      '  gather_facts: false',
      '  tasks:',
      `    - shell: id -un > ${lab.userHome}/task-login`,
      '      notify: who',
      '  handlers:',
      '    - name: who',
      `      shell: id -un > ${lab.userHome}/handler-login`,
      '',
    ].join('\n'),
  );
}, 120000);

afterAll(async () => {
  await lab?.teardown();
});

test("the play's remote_user logs in for its tasks and for its handlers", async () => {
  const run = await runPlay(['login.yml', '-i', 'inventory'], { cwd: project, timeoutMs: 60_000 });
  expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
  expect(readFileSync(join(lab.userHome!, 'task-login'), 'utf8')).toBe(`${lab.user}\n`);
  expect(readFileSync(join(lab.userHome!, 'handler-login'), 'utf8')).toBe(`${lab.user}\n`);
}, 120000);
