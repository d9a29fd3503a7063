import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import type { ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';
import { Project } from '../engine/harness';

/** uri's basic auth and headers against a real HTTP server on 127.0.0.1, run by the local connection. */

const USER = 'deploy';
const PASSWORD = 'pa:ss w"örd-7f3e';
const TOKEN = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

const conn = new LocalConnection();
let server: Server;
let base: string;
/** The Authorization header of every request, in order (undefined: none sent). */
let seen: (string | undefined)[] = [];
let onRequest: (req: IncomingMessage) => Promise<void> = async () => undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    void onRequest(req).then(() => {
      const auth = req.headers.authorization;
      seen.push(auth);
      if (req.url === '/echo') return void res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ headers: req.headers, password: PASSWORD }));
      if (auth === TOKEN) return void res.end('welcome');
      // /silent refuses without a challenge, as many APIs do: only force_basic_auth gets in.
      if (req.url === '/silent') res.statusCode = 403;
      else {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Basic realm="lab"');
      }
      res.end('no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  seen = [];
  onRequest = async () => undefined;
});
afterAll(async () => {
  await conn.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function uri(args: Record<string, unknown>): Promise<ModuleResult> {
  return runModule(getModule('uri')!, args, makeContext(conn));
}

test('without force_basic_auth the credentials are sent only in answer to a 401 challenge', async () => {
  expect(await uri({ url: `${base}/private`, url_username: USER, url_password: PASSWORD, return_content: true })).toMatchObject({ status: 200, content: 'welcome' });
  expect(seen).toEqual([undefined, TOKEN]);
});

test('force_basic_auth sends them with the first request', async () => {
  expect(await uri({ url: `${base}/silent`, url_username: USER, url_password: PASSWORD, force_basic_auth: true })).toMatchObject({ status: 200 });
  expect(seen).toEqual([TOKEN]);
  seen = [];
  expect(await uri({ url: `${base}/silent`, url_username: USER, url_password: PASSWORD })).toMatchObject({ failed: true, status: 403 });
  expect(seen).toEqual([undefined]);
});

test('wrong credentials fail with the 401', async () => {
  const result = await uri({ url: `${base}/private`, url_username: USER, url_password: 'wrong' });
  expect(result).toMatchObject({ failed: true, status: 401 });
  expect(seen).toEqual([undefined, `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}`]);
});

test('headers are sent as given', async () => {
  const result = await uri({ url: `${base}/echo`, headers: { 'X-Trace': 'abc 1', Accept: 'text/plain' }, return_content: true });
  const echoed = JSON.parse(result.content as string) as { headers: Record<string, string> };
  expect(echoed.headers).toMatchObject({ 'x-trace': 'abc 1', accept: 'text/plain' });
});

test('the password never shows: not in the result even when the server echoes it, not in any command line or environment', async () => {
  let exposed: string[] = [];
  let requesters = 0;
  const read = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`);
    } catch {
      return Buffer.alloc(0);
    }
  };
  onRequest = async () => {
    // The request is in flight: the uri's python3 is running on the host now.
    const pids = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
    requesters = pids.filter((pid) => /python3/.test(read(pid, 'cmdline').toString())).length;
    exposed = pids.filter((pid) => ['cmdline', 'environ'].some((file) => read(pid, file).includes(PASSWORD)));
  };
  const result = await uri({ url: `${base}/echo`, url_username: USER, url_password: PASSWORD, force_basic_auth: true, return_content: true });
  expect(seen).toEqual([TOKEN]);
  expect(requesters).toBeGreaterThan(0);
  expect(exposed).toEqual([]);
  const text = JSON.stringify(result);
  expect(text).not.toContain(JSON.stringify(PASSWORD).slice(1, -1));
  expect(text).not.toContain(TOKEN.slice('Basic '.length));
  expect(result.json).toMatchObject({ password: '********', headers: { authorization: 'Basic ********' } });
});

test('url_password without url_username is refused', () => {
  const parsed = getModule('uri')!.args.safeParse({ url: base, url_password: PASSWORD });
  expect(parsed.success).toBe(false);
  expect(JSON.stringify(parsed.error)).toContain('url_password needs url_username');
});

describe('credentials in the url', () => {
  const SECRET = 's3cr3t-in-url';

  test('are refused by the argument check, pointing to url_username/url_password, without echoing them', () => {
    for (const url of [
      `http://${USER}:${SECRET}@127.0.0.1:1/x`,
      `https://${USER}@127.0.0.1/`,
      `HTTP://${USER}:${SECRET}@127.0.0.1`,
      `http://127.0.0.1\\@${SECRET}/`,
    ]) {
      const parsed = getModule('uri')!.args.safeParse({ url });
      expect({ url, success: parsed.success }).toEqual({ url, success: false });
      const messages = parsed.error!.issues.map((issue) => issue.message).join('\n');
      expect(messages).toMatch(/url_username and url_password/);
      expect(messages).not.toContain(SECRET);
    }
  });

  test('an @ in the path or query is not a credential', () => {
    for (const url of [`${base}/users/a@b.example`, `${base}/?mail=a@b.example`, `${base}#a@b`]) {
      expect({ url, success: getModule('uri')!.args.safeParse({ url }).success }).toEqual({ url, success: true });
    }
  });

  test('a playbook with one fails to load, and the message does not hold the password', () => {
    const project = new Project();
    try {
      project.playbook(`- hosts: all\n  tasks:\n    - uri: { url: "http://${USER}:${SECRET}@127.0.0.1:1/health" }\n`);
      let refusal: unknown;
      try {
        project.load();
      } catch (err) {
        refusal = err;
      }
      expect(String(refusal)).toMatch(/url_username and url_password/);
      expect(String(refusal) + JSON.stringify(refusal)).not.toContain(SECRET);
    } finally {
      project.remove();
    }
  });
});
