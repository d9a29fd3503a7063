import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lb_member } from '../../src/modules/lb_member';
import { HaproxyDriver } from '../../src/modules/lb/haproxy';
import { parseServersState, parseStatCsv } from '../../src/modules/lb/haproxy-runtime';
import { LocalConnection } from '../../src/transport';
import { makeContext, runModule } from './context';

/**
 * A real HAProxy (Debian's), in the foreground from a temporary config, on 127.0.0.1 only, in front
 * of two tiny node backends. Killed by its PID in afterAll.
 */
let haproxy: ChildProcess | undefined;
let work: string;
let frontPort: number;
let adminAddress: string;
const backends: { name: string; server: Server; healthy: boolean }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startBackend(name: string): Promise<number> {
  const entry = { name, healthy: true, server: createServer() };
  entry.server.on('request', (req, res) => {
    if (req.url === '/health') {
      res.statusCode = entry.healthy ? 200 : 503;
      return void res.end();
    }
    const delay = req.url === '/slow' ? 1500 : 0;
    setTimeout(() => res.end(name), delay);
  });
  backends.push(entry);
  await new Promise<void>((resolve) => entry.server.listen(0, '127.0.0.1', resolve));
  return (entry.server.address() as AddressInfo).port;
}

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: frontPort, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

const lbVar = () => ({ driver: 'haproxy', admin_address: adminAddress, backend: 'app' });
const ctx = (host: string, check = false) => makeContext(new LocalConnection({ host }), { check, vars: { lb: lbVar() } });

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('haproxy did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'play-haproxy-'));
  const [p1, p2] = [await startBackend('app-1'), await startBackend('app-2')];
  frontPort = await freePort();
  const adminPort = await freePort();
  adminAddress = `127.0.0.1:${adminPort}`;
  const config = `global
  stats socket ipv4@127.0.0.1:${adminPort} level admin
  stats timeout 30s
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend web
  bind 127.0.0.1:${frontPort}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server inter 200ms fall 1 rise 1
  server app-1 127.0.0.1:${p1} check
  server app-2 127.0.0.1:${p2} check
`;
  await writeFile(join(work, 'haproxy.cfg'), config);
  haproxy = spawn('haproxy', ['-db', '-f', join(work, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const driver = new HaproxyDriver(lbVar());
  // Both: a server is not healthy until its first check has passed, and each has its own.
  await waitUntil(async () => (await Promise.all(['app-1', 'app-2'].map((h) => driver.status({ host: h, targetId: h })))).every((s) => s.healthy), 10_000);
}, 30_000);

afterAll(async () => {
  if (haproxy?.pid !== undefined && haproxy.exitCode === null) {
    const exited = new Promise((resolve) => haproxy?.once('exit', resolve));
    process.kill(haproxy.pid, 'SIGTERM');
    await exited;
  }
  await Promise.all(backends.map((b) => new Promise((resolve) => b.server.close(resolve))));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('HAProxy driver against a real haproxy', () => {
  it('reads each server as enabled and healthy', async () => {
    const status = await new HaproxyDriver(lbVar()).status({ host: 'app-1', targetId: 'app-1' });
    expect(status).toMatchObject({ enabled: true, healthy: true, drained: false });
  });

  it('drained waits for the request in flight, then no new request reaches the host', async () => {
    // Round robin sends one of the two slow requests to each backend.
    const inFlight = Promise.all([get('/slow'), get('/slow')]).then((bodies) => ({ bodies, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 200));
    const result = await runModule(lb_member, { state: 'drained', timeout: 20 }, ctx('app-1'));
    const drainedAt = Date.now();
    const slow = await inFlight;
    expect(result).toMatchObject({ changed: true, lb: 'haproxy', target: 'app-1' });
    expect(slow.bodies.sort()).toEqual(['app-1', 'app-2']);
    expect(drainedAt).toBeGreaterThanOrEqual(slow.at - 50);
    const answers = await Promise.all(Array.from({ length: 6 }, () => get('/')));
    expect(new Set(answers)).toEqual(new Set(['app-2']));
  });

  it('a second drained run is ok; check mode predicts enable and changes nothing', async () => {
    expect((await runModule(lb_member, { state: 'drained' }, ctx('app-1'))).changed).toBe(false);
    expect((await runModule(lb_member, { state: 'enabled' }, ctx('app-1', true))).changed).toBe(true);
    expect((await new HaproxyDriver(lbVar()).status({ host: 'app-1', targetId: 'app-1' })).enabled).toBe(false);
  });

  it('enabled puts it back and waits for health; again is ok', async () => {
    expect((await runModule(lb_member, { state: 'enabled', timeout: 20 }, ctx('app-1'))).changed).toBe(true);
    const answers = await Promise.all(Array.from({ length: 6 }, () => get('/')));
    expect(new Set(answers)).toEqual(new Set(['app-1', 'app-2']));
    expect((await runModule(lb_member, { state: 'present' }, ctx('app-1'))).changed).toBe(false);
  });

  it('enable of an unhealthy host fails after its timeout, naming the state', async () => {
    const app2 = backends.find((b) => b.name === 'app-2');
    if (!app2) throw new Error('no app-2');
    app2.healthy = false;
    try {
      await runModule(lb_member, { state: 'drained' }, ctx('app-2'));
      await new Promise((r) => setTimeout(r, 600));
      await expect(runModule(lb_member, { state: 'enabled', timeout: 2 }, ctx('app-2'))).rejects.toThrow(/app-2 \(app-2\) was not healthy after 2s; last state: DOWN/);
    } finally {
      app2.healthy = true;
    }
    await runModule(lb_member, { state: 'enabled', timeout: 20 }, ctx('app-2'));
  });

  it('an unknown server is one clear error', async () => {
    await expect(runModule(lb_member, { state: 'drained' }, ctx('app-9'))).rejects.toThrow(/no server app-9 in backend app/);
  });
});

describe('HAProxy runtime output parsers', () => {
  it('parses show servers state and show stat', () => {
    const state = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n3 app 1 app-1 10.0.0.5 2 8 1\n';
    expect(parseServersState(state, 'app-1')).toEqual({ opState: 2, adminState: 8 });
    expect(parseServersState(state, 'app-2')).toBeUndefined();
    const stat = '# pxname,svname,qcur,qmax,scur,status\napp,app-1,0,0,3,DRAIN\n\n';
    expect(parseStatCsv(stat)).toEqual([{ pxname: 'app', svname: 'app-1', qcur: '0', qmax: '0', scur: '3', status: 'DRAIN' }]);
  });
});
