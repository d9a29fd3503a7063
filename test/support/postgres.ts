import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL 15 cluster on this machine, as close to the lab's database as a test can
 * get: TLS only (hostssl, scram), a server certificate signed by its own CA with an IP SAN for
 * 127.0.0.1 (so libpq's `verify-full` checks the address the app connects to), an app role with a
 * password and a database it owns. The postmaster is our own child (run as `postgres` through
 * setpriv, which execs: initdb and the server refuse root), so stop() signals exactly that PID.
 */

const BIN = '/usr/lib/postgresql/15/bin';
const HOST = '127.0.0.1';

export interface Postgres {
  port: number;
  user: string;
  dbname: string;
  /** The CA that signed the server certificate (the app's sslrootcert). */
  caFile: string;
  /** The app's connection settings (database.json as the app role writes it), mode 0600. */
  configFile: string;
  /** Runs SQL as the superuser over the unix socket (SQL on stdin, never on a command line); the rows, tab-separated. */
  psql(sql: string, dbname?: string): Promise<string>;
  /** Fast shutdown (SIGINT): sessions are ended, the server is down until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes every file; safe to call twice. */
  cleanup(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
  return { uid, gid };
}

function asPostgres(command: string, args: string[]): string[] {
  return ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args];
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** CA, then a server key and certificate for 127.0.0.1 signed by it; the key belongs to postgres, 0600 (the server insists). */
function makeCertificates(dir: string, ids: { uid: number; gid: number }): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=test database CA', '-keyout', 'ca-key.pem', '-out', 'ca.pem'], dir);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${HOST}`, '-keyout', 'server-key.pem', '-out', 'server.csr'], dir);
  writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=IP:${HOST}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  for (const file of ['server-key.pem', 'server.pem']) chownSync(path.join(dir, file), ids.uid, ids.gid);
  chmodSync(path.join(dir, 'server-key.pem'), 0o600);
  rmSync(path.join(dir, 'ca-key.pem'));
}

export async function startPostgres(options: { user?: string; dbname?: string } = {}): Promise<Postgres> {
  const user = options.user ?? 'bookshelf';
  const dbname = options.dbname ?? 'bookshelf';
  const ids = postgresIds();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  let server: ChildProcess | undefined;
  let cleaned = false;

  const port = await freePort();
  execFileSync('setpriv', asPostgres(`${BIN}/initdb`, ['-D', data, '--encoding=UTF8', '--no-locale', '--auth-local=trust', '--auth-host=reject', '-U', 'postgres', '--no-instructions']), { stdio: ['ignore', 'ignore', 'pipe'] });
  makeCertificates(dir, ids);
  appendFileSync(
    path.join(data, 'postgresql.conf'),
    [
      `listen_addresses = '${HOST}'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      `ssl_cert_file = '${dir}/server.pem'`,
      `ssl_key_file = '${dir}/server-key.pem'`,
      "password_encryption = 'scram-sha-256'",
      'max_connections = 60',
      '',
    ].join('\n'),
  );
  // TLS or nothing over TCP, as the lab's pg_hba: a plain connection is refused.
  writeFileSync(path.join(data, 'pg_hba.conf'), `local all postgres trust\nhostssl all all ${HOST}/32 scram-sha-256\nhost all all ${HOST}/32 reject\n`);

  const psql = (sql: string, db = 'postgres'): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(`${BIN}/psql`, ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', db], { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve(stdout.trim()),
      );
      // A psql that gives up before reading (the server is not up yet) closes its stdin: its exit says why.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(sql);
    });

  const ready = async (): Promise<void> => {
    const deadline = Date.now() + 60000;
    for (;;) {
      if (server?.exitCode !== null) throw new Error(`postgres exited at start (${server?.exitCode}):\n${readFileSync(log, 'utf8')}`);
      if (await psql('SELECT 1').then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s:\n${readFileSync(log, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const start = async (): Promise<void> => {
    if (server && server.exitCode === null) return;
    const child = spawn('setpriv', asPostgres(`${BIN}/postgres`, ['-D', data]), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
    server = child;
    await ready();
  };

  const stop = async (): Promise<void> => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  };

  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await start();
    const password = randomBytes(18).toString('base64url');
    await psql(`CREATE ROLE ${user} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${dbname} OWNER ${user};`);
    const configFile = path.join(dir, 'database.json');
    const config = { host: HOST, port, dbname, user, password, sslmode: 'verify-full', sslrootcert: path.join(dir, 'ca.pem') };
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return { port, user, dbname, caFile: config.sslrootcert, configFile, psql, stop, start, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
