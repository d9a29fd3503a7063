import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptVault } from '../../src/vault';
import { BIN, cliProjectPerTest, runPlay } from './cli-project';

const fixture = cliProjectPerTest();

const play = (...args: string[]) => runPlay(fixture.dir, args);
const recap = (stdout: string, host: string) => stdout.split('\n').find((line) => line.startsWith(`${host} `)) ?? '';

describe('play <playbook> on local hosts', () => {
  test('play site: roles, templates, facts, handlers, recap; a second run changes nothing', () => {
    const first = play('site', '-e', `out_dir=${fixture.out}`);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readFileSync(join(fixture.out, 'web-1.txt'), 'utf8')).toBe('hello from group_vars on web-1\n');
    expect(readFileSync(join(fixture.out, 'web-2.facts'), 'utf8')).toBe('Debian true\n');
    expect(readFileSync(join(fixture.out, 'handlers.log'), 'utf8').split('\n').sort()).toEqual(['', 'web-1', 'web-2']);
    expect(first.stdout).toContain('TASK [greet : greeting file] ***');
    expect(first.stdout).toContain('RUNNING HANDLER [greet : greeted] ***');
    expect(recap(first.stdout, 'web-1')).toBe('web-1                      : ok=4    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ');
    expect(first.stdout).toMatch(/Finished in \d+\.\d\ds/);

    const second = play('site', '-e', `out_dir=${fixture.out}`);
    expect(second.code).toBe(0);
    expect(recap(second.stdout, 'web-1')).toContain('changed=0 ');
    expect(recap(second.stdout, 'db-1')).toContain('changed=0 ');
  });

  test('--check reports changes and makes none; --diff shows them', () => {
    const run = play('site', '--check', '--diff', '-e', `out_dir=${fixture.out}`);
    expect(run.code).toBe(0);
    // template, copy and the handler they notify: all predicted, none done
    expect(recap(run.stdout, 'web-1')).toContain('changed=3 ');
    expect(run.stdout).toContain('+hello from group_vars on web-1');
    expect(existsSync(join(fixture.out, 'web-1.txt'))).toBe(false);
    expect(existsSync(join(fixture.out, 'handlers.log'))).toBe(false);
  });

  test('--tags, --limit and -e precedence', () => {
    const run = play('site', '--tags', 'db', '--limit', 'db-1,web-1', '-e', `out_dir=${fixture.out}`);
    expect(run.code).toBe(0);
    expect(existsSync(join(fixture.out, 'db.txt'))).toBe(true);
    expect(existsSync(join(fixture.out, 'web-1.txt'))).toBe(false);
    const extra = play('site', '--limit', 'web-1', '-e', `out_dir=${fixture.out}`, '-e', '{"greeting": "from -e"}');
    expect(extra.code).toBe(0);
    expect(readFileSync(join(fixture.out, 'web-1.txt'), 'utf8')).toBe('from -e on web-1\n');
    expect(existsSync(join(fixture.out, 'web-2.txt'))).toBe(false);
    writeFileSync(join(fixture.dir, 'retry'), 'web-2\n');
    expect(play('site', '--list-hosts', '--limit', '@retry').stdout).toContain('hosts (1):\n      web-2\n');
  });

  test('the project root is found from a subdirectory (play.yml gives the inventory)', () => {
    const run = spawnSync(process.execPath, [BIN, 'site', '--list-hosts'], { cwd: join(fixture.dir, 'roles/greet'), encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('hosts (2):\n      web-1\n      web-2');
  });

  test('a failed host: exit 2, the failure shows the command, its exit code and stderr', () => {
    const run = play('fail');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('fatal: [web-2]: FAILED!');
    expect(run.stdout).toMatch(/cmd: .*ls \/no\/such\/path\/web-2/);
    expect(run.stdout).toContain('rc: 2');
    expect(run.stdout).toContain('No such file or directory');
    expect(recap(run.stdout, 'web-2')).toContain('failed=1 ');
    expect(recap(run.stdout, 'web-1')).toContain('ok=1    changed=1    unreachable=0    failed=0    skipped=1 ');
  });

  test('--json: one event per line, ending with the recap', () => {
    const run = play('fail', '--json');
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'play_start', hosts: ['web-1', 'web-2'] });
    expect(events.filter((e) => e.type === 'task_start').map((e) => e.name)).toEqual(['fails on web-2', 'after']);
    expect(events.find((e) => e.type === 'host_result' && e.status === 'failed')).toMatchObject({ host: 'web-2', failure: { rc: 2 } });
    expect(events.at(-1)).toMatchObject({ type: 'recap', stats: { 'web-2': { failed: 1 } } });
  });

  test('--list-hosts, --list-tasks, --list-tags, --syntax-check contact no host', () => {
    const hosts = play('site', '--list-hosts');
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain('hosts (2):\n      web-1\n      web-2');
    const tasks = play('site', '--list-tasks', '--tags', 'greet');
    expect(tasks.stdout).toContain('greet : greeting file\tTAGS: [greet]');
    expect(tasks.stdout).not.toContain('db marker');
    expect(play('site', '--list-tags').stdout).toContain('TASK TAGS: [db]');
    const check = play('site', '--syntax-check');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('playbook: ');
  });

  test('--version prints the version and runs nothing', () => {
    const version = play('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  });
});

describe('bad input: exit 1, one clear error, before any host is contacted', () => {
  test('unknown module: file:line, and no task ran', () => {
    const run = play('bad-module', '-e', `out_dir=${fixture.out}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`ERROR! ${join(fixture.dir, 'playbooks/bad-module.yml')}:7: unknown module 'cpoy'\n`);
    expect(existsSync(join(fixture.out, 'trace.txt'))).toBe(false);
    expect(play('bad-module', '--syntax-check').code).toBe(1);
  });

  test('undefined variable: file, line and name, and no task ran', () => {
    const run = play('undefined-var', '-e', `out_dir=${fixture.out}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(fixture.dir, 'playbooks/undefined-var.yml')}:6: undefined variable 'greting'`);
    expect(existsSync(join(fixture.out, 'trace.txt'))).toBe(false);
  });

  test('wrong vault password names the file; the right one works and the secret is never printed', () => {
    mkdirSync(join(fixture.dir, 'playbooks/vars'));
    writeFileSync(join(fixture.dir, 'playbooks/vars/secret.yml'), encryptVault('api_token: s3cr3t-t0ken-value\n', 'right password'));
    writeFileSync(join(fixture.dir, 'good.pass'), 'right password\n');
    writeFileSync(join(fixture.dir, 'bad.pass'), 'wrong password\n');
    const bad = play('vaulted', '--vault-password-file', 'bad.pass');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(join(fixture.dir, 'playbooks/vars/secret.yml'));
    const good = play('vaulted', '--vault-password-file', 'good.pass', '--json');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('token is ********');
    expect(good.stdout).not.toContain('s3cr3t');
  });

  test('malformed inventory', () => {
    writeFileSync(join(fixture.dir, 'inventory/local/hosts.yml'), 'all:\n  hosts: [web-1, web-2]\n');
    const run = play('site');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('hosts.yml');
  });

  test('an inventory named in play.yml that does not exist says how to get one', () => {
    writeFileSync(join(fixture.dir, 'play.yml'), 'inventory: [/var/lib/play-lab/no-such-lab/inventory]\n');
    const run = play('site');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `ERROR! /var/lib/play-lab/no-such-lab/inventory: inventory source not found (named in ${join(fixture.dir, 'play.yml')}): bring the lab up with \`play lab up\`, or pass -i inventory/<environment>\n`,
    );
  });

  test('YAML syntax error with file:line:column', () => {
    writeFileSync(join(fixture.dir, 'playbooks/broken.yml'), '- hosts: web\n  tasks:\n    - name: x\n     command: ls\n');
    const run = play('broken');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^ERROR! ${join(fixture.dir, 'playbooks/broken.yml')}:4:\\d+: `));
  });

  test('an unknown playbook, an unknown option', () => {
    expect(play('nope').code).toBe(1);
    const option = play('site', '--no-such-option');
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("unknown option '--no-such-option'");
  });

  test('a --limit that leaves no host is an error, like Ansible', () => {
    const run = play('site', '--limit', 'nosuchhost');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--limit nosuchhost leaves no host to run on');
  });

  test('an unmatched host pattern is a warning, like Ansible', () => {
    const run = play('unmatched');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('[WARNING]: Could not match supplied host pattern, ignoring: nosuchgroup');
  });
});

describe('Ctrl-C', () => {
  const startSlow = () => {
    const child = spawn(process.execPath, [BIN, 'slow', '-e', `out_dir=${fixture.out}`], { cwd: fixture.dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stdout: () => stdout };
  };
  const started = async () => {
    while (!existsSync(join(fixture.out, 'started'))) await new Promise((r) => setTimeout(r, 50));
  };

  test('the first lets the running task finish and prints the recap, exit 99', async () => {
    const run = startSlow();
    await started();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(99);
    expect(readFileSync(join(fixture.out, 'slow.log'), 'utf8')).toBe('finished\n');
    expect(run.stdout()).toContain('PLAY RECAP');
    expect(run.stdout()).toContain('Interrupted after');
  });

  test('the second aborts at once', async () => {
    const run = startSlow();
    await started();
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(99);
    expect(existsSync(join(fixture.out, 'slow.log'))).toBe(false);
  });
});
