import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptVault } from '../../src/vault';
import { BIN, cliProjectPerTest, requireBuild, runPlay } from './cli-project';

/** Where vault passwords come from, when they are asked for, and that none of them is ever shown. */
const fixture = cliProjectPerTest();

/** A password script that leaves a marker each time it runs. */
function markingScript(path: string, marker: string, password = 'right password'): void {
  writeFileSync(path, `#!/bin/sh\necho ran >> ${marker}\necho '${password}'\n`, { mode: 0o755 });
}

describe("play.yml's vault_password_file", () => {
  test('its script runs only when there is vault data: not for --syntax-check or a run of a playbook without any', () => {
    const marker = join(fixture.dir, 'script-ran');
    markingScript(join(fixture.dir, 'pass.sh'), marker);
    writeFileSync(join(fixture.dir, 'play.yml'), 'inventory: inventory/local\nvault_password_file: pass.sh\n');
    expect(runPlay(fixture.dir, ['site', '--syntax-check']).code).toBe(0);
    expect(runPlay(fixture.dir, ['site', '--limit', 'db-1', '-e', `out_dir=${fixture.out}`]).code).toBe(0);
    expect(existsSync(marker)).toBe(false);

    mkdirSync(join(fixture.dir, 'playbooks/vars'));
    writeFileSync(join(fixture.dir, 'playbooks/vars/secret.yml'), encryptVault('api_token: s3cr3t-t0ken-value\n', 'right password'));
    const vaulted = runPlay(fixture.dir, ['vaulted', '--syntax-check']);
    expect(vaulted.stderr).toBe('');
    expect(vaulted.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});

describe('a play.yml in a directory another user owns', () => {
  let base: string;
  beforeAll(requireBuild);
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'play-hostile-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('is not used, with a warning, and its password script does not run', () => {
    // /tmp/play-hostile-X (ours) / shared (uid 65534: play.yml, run-me.sh) / mine (ours: the playbook)
    const shared = join(base, 'shared');
    const mine = join(shared, 'mine');
    mkdirSync(mine, { recursive: true });
    const marker = join(base, 'script-ran');
    markingScript(join(shared, 'run-me.sh'), marker);
    writeFileSync(join(shared, 'play.yml'), 'vault_password_file: run-me.sh\n');
    for (const path of [shared, join(shared, 'play.yml'), join(shared, 'run-me.sh')]) chownSync(path, 65534, 65534);
    writeFileSync(join(mine, 'local.yml'), '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');

    const run = runPlay(mine, ['local.yml', '--syntax-check']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`[WARNING]: ignoring ${join(shared, 'play.yml')}: ${shared} is owned by uid 65534`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the vault password never reaches the output', () => {
  const ENV_PASSWORD = 'env-vault-password-42';
  // vars_files holds vault data: the password file is read, so its password is known to mask
  const showEnv =
    '- hosts: web-1\n  gather_facts: false\n  vars_files: [vars/secret.yml]\n  tasks:\n' +
    '    - shell: env\n      register: environment\n' +
    '    - debug: var=environment.stdout_lines\n' +
    '    - debug: msg="file says {{ lookup(\'file\', playbook_dir + \'/../good.pass\') }}"\n';

  test('$PLAY_VAULT_PASSWORD is gone from the environment of what the run starts, and a password read from a file is masked', () => {
    writeFileSync(join(fixture.dir, 'playbooks/show-env.yml'), showEnv);
    writeFileSync(join(fixture.dir, 'good.pass'), 'file-vault-password-42\n');
    mkdirSync(join(fixture.dir, 'playbooks/vars'));
    writeFileSync(join(fixture.dir, 'playbooks/vars/secret.yml'), encryptVault('api_token: t0ken\n', 'file-vault-password-42'));
    const run = spawnSync(process.execPath, [BIN, 'show-env', '--vault-password-file', 'good.pass'], {
      cwd: fixture.dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PLAY_VAULT_PASSWORD: ENV_PASSWORD },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // the task really printed its environment
    expect(run.stdout).toContain('NO_COLOR=1');
    expect(run.stdout).not.toContain('PLAY_VAULT_PASSWORD');
    expect(run.stdout).not.toContain(ENV_PASSWORD);
    expect(run.stdout).toContain('file says ********');
    expect(run.stdout).not.toContain('file-vault-password-42');
  });

  test('a password from $PLAY_VAULT_PASSWORD is masked too', () => {
    writeFileSync(join(fixture.dir, 'playbooks/echo.yml'), `- hosts: web-1\n  gather_facts: false\n  tasks:\n    - debug: msg="typed {{ typed }}"\n`);
    const run = spawnSync(process.execPath, [BIN, 'echo', '-e', `typed=${ENV_PASSWORD}`], {
      cwd: fixture.dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PLAY_VAULT_PASSWORD: ENV_PASSWORD },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('typed ********');
    expect(run.stdout).not.toContain(ENV_PASSWORD);
  });
});
