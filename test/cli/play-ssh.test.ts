import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/**
 * The built `play` against real OpenSSH sshd hosts in network namespaces, reached only through
 * a bastion (the transport's test lab: its own 10.231/16 range, an `unreachable` route in the
 * root namespace, idempotent teardown). The sshd processes share this machine's filesystem, so
 * what the hosts wrote is checked on disk.
 */
const BIN = resolve(__dirname, '../../bin/play.js');
const FIXTURE = resolve(__dirname, '../fixtures/engine/ssh-project');

let lab: SshdLab;
let project: string;
let work: string;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 3 });
  project = join(lab.dir, 'project');
  cpSync(FIXTURE, project, { recursive: true });
  work = join(lab.dir, 'work');
  mkdirSync(work);
  mkdirSync(join(project, 'inventory'));
  lab.writeFile(
    'project/inventory/ssh.config',
    `Host bastion\n  HostName ${lab.bastion.address}\n  User root\n\n${lab.hostBlocks()}\nHost gone\n  HostName ${lab.refusedAddress}\n\nHost t* gone\n  ProxyJump bastion\n  User root\n\nHost *\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${join(project, 'inventory/known_hosts')}\n`,
  );
  const hosts = lab.targets.map((t) => `        ${t.name}: {}`).join('\n');
  lab.writeFile(
    'project/inventory/hosts.yml',
    `all:\n  vars:\n    play_ssh_config: ssh.config\n    work_dir: ${work}\n    app_port: 8080\n  children:\n    app:\n      hosts:\n${hosts}\n    down:\n      hosts:\n        gone: {}\n`,
  );
}, 120000);

afterAll(async () => {
  await lab?.teardown();
});

/** Runs the CLI without blocking the event loop: the lab's sshd logs are read by this process while play runs. */
function play(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const playbook = args[0]?.startsWith('-') || args.length === 0 ? 'site' : args.shift()!;
  const child = spawn(process.execPath, [BIN, playbook, '-i', 'inventory', ...args], { cwd: project, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePlay) => child.on('close', (code) => resolvePlay({ code, stdout, stderr })));
}
const recap = (stdout: string, host: string) => stdout.split('\n').find((line) => line.startsWith(`${host} `)) ?? '';

test('converges every host through one bastion connection, then reports no change', async () => {
  const bastionBefore = lab.bastion.connectionCount();
  const first = await play();
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  for (const target of lab.targets) {
    expect(readFileSync(join(work, `${target.name}.conf`), 'utf8')).toMatch(new RegExp(`^# ${target.name} \\(.+\\)\nlisten 8080\n$`));
    expect(readFileSync(join(work, `${target.name}.handler`), 'utf8')).toBe('reloaded\n');
    expect(recap(first.stdout, target.name)).toContain('ok=5    changed=2    unreachable=0    failed=0');
  }
  // one SSH connection to the bastion for the whole run, every target a channel on it
  expect(lab.bastion.connectionCount() - bastionBefore).toBe(1);
  // host keys were unknown: accept-new recorded them
  expect(readFileSync(join(project, 'inventory/known_hosts'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(lab.targets.length + 1);

  const second = await play();
  expect(second.code).toBe(0);
  for (const target of lab.targets) expect(recap(second.stdout, target.name)).toContain('changed=0 ');
  expect(readFileSync(join(work, 't01.handler'), 'utf8')).toBe('reloaded\n');
}, 120000);

test('--check predicts a change with its diff and changes nothing', async () => {
  const conf = join(work, 't02.conf');
  const before = readFileSync(conf, 'utf8');
  const check = await play('--check', '-e', 'app_port=9090', '--diff', '--limit', 't02');
  expect(check.code).toBe(0);
  expect(check.stdout).toContain('+listen 9090');
  expect(recap(check.stdout, 't02')).toContain('changed=2 ');
  expect(readFileSync(conf, 'utf8')).toBe(before);
}, 120000);

test('an unreachable host is reported as such, the others go on, exit 4', async () => {
  const run = await play('ping');
  expect(run.code).toBe(4);
  expect(run.stdout).toMatch(/fatal: \[gone\]: UNREACHABLE!\n    msg: gone: .+/);
  expect(recap(run.stdout, 'gone')).toContain('unreachable=1 ');
  for (const target of lab.targets) expect(recap(run.stdout, target.name)).toContain('ok=1    changed=0    unreachable=0    failed=0');
}, 120000);
