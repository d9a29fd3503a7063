import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { renderRoleTemplate, REPO, roleVars, scratchDir, tool } from './site-files';

/**
 * The sample app on this machine: its own Ruby tests, then Puma in cluster mode with the role's
 * rendered configuration, answering on a unix socket as it does for nginx on the hosts, and a
 * phased restart (what the app role's handler sends) that picks up new code without failing one
 * request.
 */

interface Reply {
  status: number;
  body: string;
}

function get(socketPath: string, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // One connection per request, as nginx talks to its upstream (no upstream keepalive): a reused
    // idle connection can be closed by a worker that is being replaced, which nginx never does.
    const req = http.get({ socketPath, path: urlPath, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the app passes its own Ruby tests', () => {
  const result = tool('ruby', [path.join(REPO, 'app', 'test', 'test_bookshelf.rb')]);
  expect(result.output).toMatch(/\d+ runs, \d+ assertions, 0 failures, 0 errors/);
  expect(result.status).toBe(0);
});

describe('under Puma with the role configuration', () => {
  const scratch = scratchDir('app-puma-');
  const appDir = path.join(scratch.dir, 'app');
  const socket = path.join(scratch.dir, 'puma.sock');
  let puma: ChildProcess | undefined;

  beforeAll(async () => {
    cpSync(path.join(REPO, 'app'), appDir, { recursive: true });
    const config = renderRoleTemplate('app', 'puma.rb.hbs', roleVars('app', { app_dir: appDir, app_socket: socket, app_workers: 2 }));
    writeFileSync(path.join(scratch.dir, 'puma.rb'), config);
    puma = spawn('puma', ['--config', path.join(scratch.dir, 'puma.rb')], { stdio: 'ignore' });
    await until('Puma to answer /health', async () => ((await get(socket, '/health')).status === 200 ? true : undefined));
  });

  afterAll(() => {
    if (puma?.pid && puma.exitCode === null) puma.kill('SIGTERM');
    scratch.cleanup();
  });

  test('/health and /search answer with the host and version', async () => {
    const health = JSON.parse((await get(socket, '/health')).body);
    expect(health).toMatchObject({ status: 'ok', version: '1.0.0' });
    const search = JSON.parse((await get(socket, '/search?q=hardy')).body);
    expect(search.results.map((b: { title: string }) => b.title)).toContain('Jude the Obscure');
  });

  test('a phased restart serves the new code and drops no request', async () => {
    writeFileSync(path.join(appDir, 'VERSION'), '1.1.0\n');
    let stop = false;
    const outcomes = { ok: 0, failures: [] as string[] };
    const load = (async () => {
      while (!stop) {
        const reply = await get(socket, '/search?q=austen').catch((error: Error) => ({ status: 0, body: error.message }));
        if (reply.status === 200) outcomes.ok += 1;
        else outcomes.failures.push(`${reply.status} ${reply.body}`);
      }
    })();
    process.kill(puma!.pid!, 'SIGUSR1');
    await until('every worker to serve 1.1.0', async () => {
      const versions = new Set<string>();
      for (let i = 0; i < 20; i += 1) versions.add(JSON.parse((await get(socket, '/health')).body).version);
      return versions.size === 1 && versions.has('1.1.0') ? true : undefined;
    }, 60000);
    await until('the load to reach 25 answered requests', async () => (outcomes.ok >= 25 ? true : undefined));
    stop = true;
    await load;
    expect(outcomes.failures).toEqual([]);
    expect(outcomes.ok).toBeGreaterThanOrEqual(25);
  });
});
