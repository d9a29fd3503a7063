import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderRoleTemplate, REPO, roleVars, ROLES, scratchDir, tool } from './site-files';

/**
 * The database role's templates and scripts against a real PostgreSQL 15 on this machine: a scratch
 * cluster (as the postgres user, a port of its own) configured with the rendered files and the lab
 * CA's certificate, then the checker, the role's SQL, TLS with a password, the dump and the restore.
 * Each refusal is shown to bite.
 */

const PG_BIN = '/usr/lib/postgresql/15/bin';
const FILES = path.join(ROLES, 'database', 'files');
const scratch = scratchDir('database-role-');
const dir = scratch.dir;
const data = path.join(dir, 'data');
const socket = path.join(dir, 'sock');
const tls = path.join(dir, 'tls');
const port = 20000 + (process.pid % 20000);
const env = { PGHOST: socket, PGPORT: String(port) };
const password = "it's-a-s3cret";
const database = { endpoint: '127.0.0.1', port, name: 'bookshelf', user: 'bookshelf', host: 'db', credential: { kind: 'inventory', variable: 'database_password' } };

const vars = roleVars('database', {
  inventory_hostname: 'db',
  database,
  database_tls_dir: tls,
  database_listen: '127.0.0.1',
  database_hba_networks: ['127.0.0.0/24'],
  database_password_sql: password.replace(/'/g, "''"),
  database_unit: 'postgresql@15-main',
});

/** A command as the postgres user against the scratch cluster. */
const asPostgres = (command: string, args: string[], input?: string) => {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, input });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
};
const sql = (query: string, db = 'postgres') => asPostgres('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', query]);
const ok = (result: { status: number; stderr: string }) => expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
/** A script of the role's files/, as root, against the scratch cluster. */
const script = (name: string, args: string[]) => tool(path.join(FILES, name), args, env);
const check = (kind: string, candidate: string, live: string) => script('pg-config-check', [kind, candidate, live]);
const postgresOwns = (file: string) => chownSync(file, Number(tool('id', ['-u', 'postgres']).output), Number(tool('id', ['-g', 'postgres']).output));

function candidate(name: string, text: string): string {
  const file = path.join(dir, 'candidates', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

/** Over TCP as the app connects: verified TLS to the address in the certificate, the password from PGPASSWORD. */
function appConnects(sslmode: string, pass = password) {
  const conninfo = `host=127.0.0.1 port=${port} dbname=bookshelf user=bookshelf sslmode=${sslmode} sslrootcert=${tls}/ca.pem`;
  const result = spawnSync('psql', ['-X', '-A', '-t', conninfo, '-c', 'select ssl from pg_stat_ssl where pid = pg_backend_pid()'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: pass } });
  return { status: result.status ?? -1, stdout: result.stdout.trim(), stderr: result.stderr };
}

beforeAll(() => {
  chmodSync(dir, 0o755);
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(socket);
  for (const d of [data, socket]) postgresOwns(d);
  ok(asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth-local=peer', '--auth-host=reject']));
  appendConf(`unix_socket_directories = '${socket}'\nlisten_addresses = ''\nport = ${port}\ninclude_dir = 'conf.d'\n`);
  mkdirSync(path.join(data, 'conf.d'));
  postgresOwns(path.join(data, 'conf.d'));

  // The lab CA's certificate for this "host", with its address, as the role asks make-log-pki for it.
  const pki = path.join(dir, 'pki');
  expect(tool(path.join(ROLES, 'rsyslog', 'files', 'make-log-pki'), [pki, 'db', 'IP:127.0.0.1']).status).toBe(0);
  mkdirSync(tls);
  copyFileSync(path.join(pki, 'ca.pem'), path.join(tls, 'ca.pem'));
  copyFileSync(path.join(pki, 'db.pem'), path.join(tls, 'server.crt'));
  copyFileSync(path.join(pki, 'db-key.pem'), path.join(tls, 'server.key'));
  for (const f of ['server.crt', 'server.key']) postgresOwns(path.join(tls, f));
  ok(asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(socket, 'log'), '-w', 'start']));
}, 60_000);

afterAll(() => {
  if (existsSync(path.join(data, 'postmaster.pid'))) asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
  scratch.cleanup();
});

function appendConf(text: string): void {
  writeFileSync(path.join(data, 'postgresql.conf'), text, { flag: 'a' });
}

function install(text: string, live: string): void {
  writeFileSync(live, text);
  postgresOwns(live);
}

const restart = () => ok(asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(socket, 'log'), '-w', 'restart']));

describe('database role on a real PostgreSQL 15', () => {
  const listenLive = path.join(data, 'conf.d', '50-listen.conf');
  const settingsLive = path.join(data, 'conf.d', '51-webtier.conf');
  const hbaLive = path.join(data, 'pg_hba.conf');

  test('the settings pass the checker; a bad one is refused and no file is left behind', () => {
    const listen = renderRoleTemplate('database', 'listen.conf.hbs', vars);
    const settings = renderRoleTemplate('database', 'webtier.conf.hbs', vars);
    expect(check('conf', candidate('listen.conf', listen), listenLive)).toEqual({ status: 0, output: '' });
    expect(check('conf', candidate('webtier.conf', settings), settingsLive)).toEqual({ status: 0, output: '' });
    expect(existsSync(settingsLive)).toBe(false);
    const bad = check('conf', candidate('bad.conf', `${settings}ssl_min_protocol_version = 'TLSv0.9'\n`), settingsLive);
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/51-webtier\.conf:\d+: .*ssl_min_protocol_version/);
    expect(existsSync(settingsLive)).toBe(false);
    install(listen, listenLive);
    install(settings, settingsLive);
    restart();
    expect(sql("select current_setting('ssl') || ' ' || current_setting('password_encryption') || ' ' || current_setting('listen_addresses')").stdout.trim()).toBe('on scram-sha-256 127.0.0.1');
  });

  test('pg_hba: local peer for postgres, hostssl with a password for the app user from its networks, nothing else', () => {
    const hba = renderRoleTemplate('database', 'pg_hba.conf.hbs', vars);
    const rules = hba.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'postgres', 'peer'],
      ['hostssl', 'bookshelf', 'bookshelf', '127.0.0.0/24', 'scram-sha-256'],
    ]);
    const live = readFileSync(hbaLive, 'utf8');
    const bad = check('hba', candidate('pg_hba.bad', `${hba}hostssl all all 10.0.0.0/8 no-such-method\n`), hbaLive);
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/pg_hba\.conf line 5: invalid authentication method "no-such-method"/);
    expect(readFileSync(hbaLive, 'utf8')).toBe(live);
    expect(check('hba', candidate('pg_hba.conf', hba), hbaLive)).toEqual({ status: 0, output: '' });
    install(hba, hbaLive);
    ok(sql('select pg_reload_conf()'));
  });

  test("the role's SQL makes the user and its database, again without error, and the password works over verified TLS only", () => {
    const file = candidate('app-role.sql', renderRoleTemplate('database', 'app-role.sql.hbs', vars));
    ok(asPostgres('psql', ['-X', '-q', '-d', 'postgres', '-f', file]));
    ok(asPostgres('psql', ['-X', '-q', '-d', 'postgres', '-f', file]));
    expect(sql("select pg_get_userbyid(datdba) from pg_database where datname = 'bookshelf'").stdout.trim()).toBe('bookshelf');
    expect(sql("select left(rolpassword, 14) from pg_authid where rolname = 'bookshelf'").stdout.trim()).toBe('SCRAM-SHA-256$');
    expect(appConnects('verify-full')).toEqual({ status: 0, stdout: 't', stderr: '' });
    expect(appConnects('disable').stderr).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "bookshelf", database "bookshelf", no encryption/);
    expect(appConnects('verify-full', 'wrong').stderr).toMatch(/password authentication failed/);
    // The statement with the password is never logged, even when it is slow or fails.
    expect(readFileSync(path.join(socket, 'log'), 'utf8')).not.toContain('s3cret');
  });

  test('the dump: whole files under a time-sorted name, only the newest kept', () => {
    ok(sql("create table books (id serial primary key, title text); insert into books (title) values ('Emma'), ('Persuasion')", 'bookshelf'));
    const backups = path.join(dir, 'backups');
    mkdirSync(backups, { mode: 0o700 });
    postgresOwns(backups);
    for (const old of ['bookshelf-20240101T000000Z.dump', 'bookshelf-20250101T000000Z.dump', 'other-20200101T000000Z.dump']) install('old', path.join(backups, old));
    const dumped = asPostgres(path.join(FILES, 'database-dump'), ['bookshelf', backups, '2']);
    ok(dumped);
    const files = readdirSync(backups).sort();
    expect(files).toEqual(['bookshelf-20250101T000000Z.dump', expect.stringMatching(/^bookshelf-\d{8}T\d{6}Z\.dump$/), 'other-20200101T000000Z.dump']);
    expect(tool('pg_restore', ['-l', path.join(backups, files[1])]).output).toMatch(/TABLE DATA public books/);
  });

  test('the restore swaps in a whole copy; a broken dump leaves the database as it was', () => {
    const backups = path.join(dir, 'backups');
    const dump = path.join(backups, readdirSync(backups).sort()[1]);
    ok(sql("insert into books (title) values ('Sanditon')", 'bookshelf'));
    const garbage = candidate('garbage.dump', 'PGDMP not really');
    expect(script('database-restore', ['bookshelf', garbage]).status).not.toBe(0);
    expect(sql('select count(*) from books', 'bookshelf').stdout.trim()).toBe('3');
    expect(appConnects('verify-full').status).toBe(0); // still open to connections

    const restored = script('database-restore', ['bookshelf', dump]);
    expect(restored).toMatchObject({ status: 0, output: expect.stringMatching(/restored bookshelf from .*; the previous database is bookshelf_before_restore_\d{8}_\d{6}/) });
    expect(sql('select count(*) from books', 'bookshelf').stdout.trim()).toBe('2');
    expect(sql("select datname from pg_database where datname like 'bookshelf%' order by 1").stdout.trim().split('\n')).toEqual([
      'bookshelf',
      expect.stringMatching(/^bookshelf_before_restore_\d{8}_\d{6}$/),
    ]);
    expect(sql("select pg_get_userbyid(datdba) from pg_database where datname = 'bookshelf'").stdout.trim()).toBe('bookshelf');
    expect(appConnects('verify-full').status).toBe(0);
  });

  test('the dump units pass systemd-analyze verify', () => {
    const units = path.join(dir, 'units');
    mkdirSync(units);
    for (const unit of ['database-dump.service', 'database-dump.timer']) writeFileSync(path.join(units, unit), renderRoleTemplate('database', `${unit}.hbs`, vars));
    const timer = readFileSync(path.join(units, 'database-dump.timer'), 'utf8');
    for (const line of ['OnCalendar=daily', 'Persistent=true', 'RandomizedDelaySec=1h']) expect(timer.split('\n')).toContain(line);
    // verify wants ExecStart's program to exist; the role installs it there.
    const service = readFileSync(path.join(units, 'database-dump.service'), 'utf8').replace('/usr/local/sbin/database-dump', path.join(FILES, 'database-dump'));
    writeFileSync(path.join(units, 'database-dump.service'), service);
    expect(tool('systemd-analyze', ['verify', path.join(units, 'database-dump.timer'), path.join(units, 'database-dump.service')]).status).toBe(0);
  });

  test('the role refuses a managed database (RDS), naming why, before it touches the host', () => {
    const inventory = path.join(dir, 'rds-inventory.yml');
    const rds = { ...database, credential: { kind: 'secretsmanager', secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' } };
    writeFileSync(inventory, JSON.stringify({ all: { vars: { database: rds }, children: { database: { hosts: { db: { ansible_connection: 'local' } } } } } }));
    const run = spawnSync(process.execPath, [path.join(REPO, 'bin', 'play.js'), 'site', '-i', inventory, '--limit', 'db'], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toContain("configures only a database whose credential is an inventory variable (credential.kind 'inventory'), not a managed one such as RDS");
    expect(run.stdout).toMatch(/db\s*:\s*ok=\d+\s+changed=0\s+unreachable=0\s+failed=1/);
  });
});
