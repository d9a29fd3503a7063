import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { renderRoleTemplate, roleVars, ROLES, scratchDir } from './site-files';

/**
 * The rsyslog role's two configurations, running for real on 127.0.0.1: a forwarder and a
 * collector with certificates from make-log-pki. Proves the TLS path and the disk-assisted queue
 * (lines logged while the collector is stopped arrive once it is back) without a lab.
 */

const scratch = scratchDir('rsyslog-tls-');
const remoteDir = path.join(scratch.dir, 'remote');
const forwarderSocket = path.join(scratch.dir, 'forwarder.sock');
let port = 0;
let collector: ChildProcess | undefined;
let forwarder: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A TLS directory as the role lays it out on a host: ca.pem, cert.pem, key.pem. */
function tlsDir(name: string, pki: string): string {
  const dir = path.join(scratch.dir, `${name}-tls`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(pki, 'ca.pem'), path.join(dir, 'ca.pem'));
  copyFileSync(path.join(pki, `${name}.pem`), path.join(dir, 'cert.pem'));
  copyFileSync(path.join(pki, `${name}-key.pem`), path.join(dir, 'key.pem'));
  return dir;
}

/** rsyslogd in the foreground with a whole configuration: its own spool, the role's snippet. */
function startRsyslog(name: string, snippet: string, input = ''): ChildProcess {
  const spool = path.join(scratch.dir, `${name}-spool`);
  mkdirSync(spool, { recursive: true });
  const conf = path.join(scratch.dir, `${name}.conf`);
  writeFileSync(conf, `global(workDirectory="${spool}")\n${input}\n${snippet}`);
  return spawn('rsyslogd', ['-n', '-f', conf, '-i', path.join(scratch.dir, `${name}.pid`)], { stdio: 'ignore' });
}

const startCollector = (snippet: string) => startRsyslog('collector', snippet);

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function log(message: string): void {
  const result = spawnSync('logger', ['-u', forwarderSocket, '-t', 'tls-test', message], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`logger: ${result.stderr}`);
}

/** The collector files by the sender's hostname: here, this machine's. */
function filed(): string {
  const dirs = existsSync(remoteDir) ? spawnSync('find', [remoteDir, '-name', 'messages.log'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean) : [];
  return dirs.map((f) => readFileSync(f, 'utf8')).join('');
}

async function arrives(text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!filed().includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" did not reach the collector in ${timeoutMs} ms; it has:\n${filed()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let collectorSnippet = '';

beforeAll(async () => {
  const pki = path.join(scratch.dir, 'pki');
  for (const host of ['logs', 'app-1']) expect(spawnSync(path.join(ROLES, 'rsyslog', 'files', 'make-log-pki'), [pki, host]).status).toBe(0);
  port = await freePort();
  collectorSnippet = renderRoleTemplate(
    'rsyslog',
    'collector.conf.hbs',
    roleVars('rsyslog', { rsyslog_tls_dir: tlsDir('logs', pki), rsyslog_tls_port: port, rsyslog_remote_dir: remoteDir, rsyslog_listen_address: '127.0.0.1' }),
  );
  const forwardSnippet = renderRoleTemplate(
    'rsyslog',
    'forward.conf.hbs',
    roleVars('rsyslog', { rsyslog_tls_dir: tlsDir('app-1', pki), rsyslog_tls_port: port, rsyslog_target_host: '127.0.0.1', rsyslog_target_name: 'logs' }),
  );
  collector = startCollector(collectorSnippet);
  forwarder = startRsyslog('forwarder', forwardSnippet, `module(load="imuxsock" SysSock.Use="off")\ninput(type="imuxsock" Socket="${forwarderSocket}")`);
  const deadline = Date.now() + 10_000;
  while (!existsSync(forwarderSocket)) {
    if (Date.now() > deadline) throw new Error('the forwarder did not open its socket');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await stop(forwarder);
  await stop(collector);
  scratch.cleanup();
});

test('a line logged on the forwarder is filed by the collector, over TLS', async () => {
  log('first line over tls');
  await arrives('first line over tls', 15_000);
  const established = spawnSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' }).stdout;
  expect(established.trim()).not.toBe('');
}, 30_000);

test('plain TCP to the TLS port is not filed', async () => {
  spawnSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(port), '-t', 'tls-test', 'plain text line']);
  log('after the plain line');
  await arrives('after the plain line', 15_000);
  expect(filed()).not.toContain('plain text line');
}, 30_000);

test('lines logged while the collector is down arrive once it is back', async () => {
  await stop(collector);
  log('written during the outage');
  await new Promise((r) => setTimeout(r, 2000));
  expect(filed()).not.toContain('written during the outage');
  collector = startCollector(collectorSnippet);
  await arrives('written during the outage', 40_000);
}, 60_000);
