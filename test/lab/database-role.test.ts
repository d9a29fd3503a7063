import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { labDown, labUp, type LabInfo } from '../../src/lab';
import { ssh, sshOk } from '../support/lab-ssh';
import { changedTasks, failures, hostResults, runPlay, type PlayRun } from '../e2e/support/play-cli';
import { synthStackFile, type StackFile } from '../support/stack-file';

/*
 * The database role, backup.yml and restore.yml on the lab's `db` host (the stand-in for RDS), run
 * through the built CLI as an operator runs them, with the password vault-encrypted in the inventory.
 * The app host plays the client with psql over TLS; the stack's security groups are enforced. The
 * steps build on each other on one lab.
 */

const NAME = 'dbh2';
const REPO = path.resolve(__dirname, '../..');
const PLAY = path.join(REPO, 'bin', 'play.js');
const CA = '/tmp/dbh2-ca.pem';
const PGPASS = '/tmp/dbh2-pgpass';

let lab: LabInfo;
let stack: StackFile;
let root: string;
let project: string;
let vaultPasswordFile: string;
let password: string;
let database: { endpoint: string; port: number; name: string; user: string };
const runs: PlayRun[] = [];

function play(args: string[]): Promise<PlayRun> {
  return runPlay([args[0], '-i', lab.inventoryDir, '--vault-password-file', vaultPasswordFile, ...args.slice(1)], { cwd: project }).then((run) => {
    runs.push(run);
    return run;
  });
}

function expectClean(run: PlayRun): void {
  expect({ code: run.code, failures: failures(run), tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, failures: [], tail: '' });
}

const on = (host: string, command: string) => sshOk(lab.sshConfigFile, host, command, 120_000);
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** The vaulted inventory variable the lab's outputs name as the database's credential. */
function writePassword(value: string): void {
  const file = path.join(lab.inventoryDir, 'group_vars', 'all', 'vault.yml');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify({ database_password: value }), { mode: 0o600 });
  execFileSync(process.execPath, [PLAY, 'vault', 'encrypt', file], { env: { ...process.env, PLAY_VAULT_PASSWORD: readFileSync(vaultPasswordFile, 'utf8').trim() } });
  chmodSync(file, 0o600);
  password = value;
}

/** The client's password file on the app host (the test's own, not the app's). */
async function clientPassword(): Promise<void> {
  const line = `${database.endpoint}:${database.port}:${database.name}:${database.user}:${password}\n`;
  await on('app-1', `echo ${base64(line)} | base64 -d > ${PGPASS} && chmod 600 ${PGPASS}`);
}

/** psql on the app host against the database's endpoint; sslmode decides whether TLS is used. */
function psql(sql: string, sslmode = 'verify-full') {
  const conninfo = `host=${database.endpoint} port=${database.port} dbname=${database.name} user=${database.user} sslmode=${sslmode} sslrootcert=${CA} connect_timeout=5`;
  return ssh(lab.sshConfigFile, 'app-1', `echo ${base64(sql)} | base64 -d | PGPASSFILE=${PGPASS} psql -X -A -t -q -v ON_ERROR_STOP=1 '${conninfo}' -f -`);
}

async function books(): Promise<number> {
  const result = await psql('select count(*) from books');
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return Number(result.stdout.trim());
}

const fetchedDumps = () => {
  const dir = path.join(lab.inventoryDir, 'backups', 'db', 'var', 'backups', 'postgresql');
  try {
    return readdirSync(dir).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
};

beforeAll(async () => {
  await labDown({ name: NAME });
  stack = synthStackFile('staging', { app: { count: 1, instanceType: 't3.small' } });
  lab = await labUp({ name: NAME, stack: stack.file });
  database = JSON.parse(readFileSync(lab.outputsFile, 'utf8')).database;

  root = mkdtempSync(path.join(tmpdir(), 'dbh2-'));
  project = path.join(root, 'project');
  for (const part of ['playbooks', 'roles']) cpSync(path.join(REPO, part), path.join(project, part), { recursive: true });
  vaultPasswordFile = path.join(root, 'vault-password');
  writeFileSync(vaultPasswordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  writePassword(`pw'${randomBytes(15).toString('base64url')}`);

  // The client side: psql from the lab's package pool, and the lab CA the app role would install.
  await on('app-1', 'sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client-15 >/dev/null');
}, 900_000);

afterAll(async () => {
  await labDown({ name: NAME });
  stack?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
}, 300_000);

afterEach(() => {
  // Whatever a step printed, the password (current or earlier) is never in it.
  for (const run of runs.splice(0)) expect(run.output.includes(password)).toBe(false);
});

describe('the database role on the lab', () => {
  test('converges the db host (and only it), then a second run changes nothing', async () => {
    const first = await play(['site', '--limit', 'db']);
    expectClean(first);
    expect([...new Set(hostResults(first).map((r) => r.host))]).toEqual(['db']);
    expect(first.recap.db.changed).toBeGreaterThan(0);
    const second = await play(['site', '--limit', 'db']);
    expectClean(second);
    expect(changedTasks(second)).toEqual([]);
  }, 900_000);

  test('the app host connects with verified TLS only, and the password works', async () => {
    await on('app-1', `echo ${base64(readFileSync(path.join(lab.inventoryDir, 'pki', 'ca.pem'), 'utf8'))} | base64 -d > ${CA}`);
    await clientPassword();
    const tls = await psql('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()');
    expect({ code: tls.code, stderr: tls.stderr }).toEqual({ code: 0, stderr: '' });
    expect(tls.stdout.trim()).toMatch(/^t\|TLSv1\.[23]$/);
    const plain = await psql('select 1', 'disable');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/no pg_hba\.conf entry for host .* no encryption/);
    const created = await psql("create table books (id serial primary key, title text not null); insert into books (title) values ('Emma'), ('Persuasion'), ('Sanditon')");
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await books()).toBe(3);
  }, 300_000);

  test('the bastion cannot reach 5432 (the security group drops it)', async () => {
    const probe = await ssh(lab.sshConfigFile, 'bastion', `timeout 4 bash -c '</dev/tcp/${database.endpoint}/${database.port}'; echo "exit=$?"`);
    // 124: timeout's, the SYN went unanswered (dropped); a refusal would exit 1 at once.
    expect(probe.stdout.trim()).toBe('exit=124');
  }, 60_000);

  test('the daily dump timer is enabled and active', async () => {
    expect((await on('db', 'systemctl is-enabled database-dump.timer; systemctl is-active database-dump.timer')).split('\n').slice(0, 2)).toEqual(['enabled', 'active']);
  });

  test('backup.yml dumps now and brings the dump to the controller', async () => {
    const run = await play(['backup']);
    expectClean(run);
    const dumps = fetchedDumps();
    expect(dumps.map((d) => path.basename(d))).toEqual([expect.stringMatching(/^bookshelf-\d{8}T\d{6}Z\.dump$/)]);
    // A whole custom-format dump holding the table, read by the controller's own pg_restore.
    expect(execFileSync('pg_restore', ['-l', dumps[0]], { encoding: 'utf8' })).toMatch(/TABLE DATA public books/);
  }, 300_000);

  test('a broken dump fails the restore and leaves the database as it was', async () => {
    const garbage = path.join(root, 'garbage.dump');
    writeFileSync(garbage, 'PGDMP but not really');
    await psql("insert into books (title) values ('Lady Susan')");
    const run = await play(['restore', '-e', `restore_dump=${garbage}`]);
    expect(run.code).toBe(2);
    expect(failures(run).join('\n')).toMatch(/Restore it into a scratch database/);
    expect(await books()).toBe(4);
  }, 300_000);

  test('restore.yml brings the dumped rows back into an emptied database', async () => {
    await psql('delete from books');
    expect(await books()).toBe(0);
    const run = await play(['restore']);
    expectClean(run);
    expect(run.output).toMatch(/bookshelf restored from .*bookshelf-\d{8}T\d{6}Z\.dump: 3 rows in books/);
    expect(await books()).toBe(3);
    expect((await on('db', `sudo -u postgres psql -XAtc "select datname from pg_database where datname like 'bookshelf%' order by 1"`)).trim().split('\n')).toEqual([
      'bookshelf',
      expect.stringMatching(/^bookshelf_before_restore_\d{8}_\d{6}$/),
    ]);
  }, 300_000);

  test('a broken pg_hba fails the run; PostgreSQL keeps serving with the previous file', async () => {
    const template = path.join(project, 'roles', 'database', 'templates', 'pg_hba.conf.hbs');
    const good = readFileSync(template, 'utf8');
    const live = await on('db', 'sudo sha256sum /etc/postgresql/15/main/pg_hba.conf');
    writeFileSync(template, `${good}hostssl all all 10.0.0.0/8 no-such-method\n`);
    try {
      const run = await play(['site', '--limit', 'db']);
      expect(run.code).toBe(2);
      expect(failures(run).join('\n')).toMatch(/pg_hba\.conf line \d+: invalid authentication method "no-such-method"/);
    } finally {
      writeFileSync(template, good);
    }
    expect(await on('db', 'sudo sha256sum /etc/postgresql/15/main/pg_hba.conf')).toBe(live);
    expect((await on('db', 'systemctl is-active postgresql@15-main')).trim()).toBe('active');
    expect(await books()).toBe(3);
  }, 300_000);

  test('a new password in the vault reaches the role; the old one stops working', async () => {
    const old = password;
    writePassword(`pw-${randomBytes(15).toString('base64url')}`);
    const run = await play(['site', '--limit', 'db']);
    expectClean(run);
    expect(changedTasks(run)).toEqual(expect.arrayContaining([expect.stringMatching(/^db: .*role and database/)]));
    expect(run.output.includes(old)).toBe(false);
    expect((await psql('select 1')).code).not.toBe(0); // the client still has the old one
    await clientPassword();
    expect(await books()).toBe(3);
  }, 300_000);
});
