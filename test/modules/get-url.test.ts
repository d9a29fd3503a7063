import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { makeContext, runModule } from './context';
import { ansibleResults } from './ansible-oracle';

/**
 * get_url against a python http.server on 127.0.0.1 (an IP literal, nothing leaves the machine),
 * next to ansible-core 2.14's get_url for the same steps.
 */
const dir = mkdtempSync(join(tmpdir(), 'get-url-'));
const www = join(dir, 'www');
const conn = new LocalConnection();
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  mkdirSync(www);
  writeFileSync(join(www, 'file.txt'), 'payload v1\n');
  writeFileSync(join(www, 'SHA256SUMS'), `${createHash('sha256').update('payload v1\n').digest('hex')}  file.txt\n`);
  // Port 0: the kernel picks a free one, which the server prints.
  server = spawn('python3', ['-u', '-c', "import http.server, functools, sys\nh = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\ns = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\nprint(s.server_address[1], flush=True)\ns.serve_forever()", www], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<string>((resolve) => server.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())));
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  server?.kill();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (args: Record<string, unknown>, check = false) => runModule(getModule('get_url')!, args, makeContext(conn, { check }));

test('the same steps as ansible-core: download, unchanged again, checksum skip and mismatch, a newer file, check mode', async () => {
  const steps = (dest: string, check: boolean) => [
    { url: `${base}/file.txt`, dest: join(dest, 'f.txt'), mode: '0640' },
    { url: `${base}/file.txt`, dest: join(dest, 'f.txt'), mode: '0640' },
    { url: `${base}/file.txt`, dest: join(dest, 'f.txt'), checksum: `sha256:${base}/SHA256SUMS` },
    { url: `${base}/file.txt`, dest: join(dest, 'g.txt'), checksum: 'sha256:0123abcd' },
    { url: `${base}/file.txt`, dest: join(dest, 'f.txt'), force: true, mode: check ? '0640' : '0600' },
    { url: `${base}/file.txt`, dest },
    { url: `${base}/missing`, dest: join(dest, 'm.txt') },
  ];
  const view = (r: Record<string, unknown>) => ({ changed: r.changed, failed: r.failed === true, msg: String(r.msg).replace(/\d+ bytes/, 'N bytes').replace(/\/(ansible|play)-(true|false)\//, '/D/'), status_code: r.status_code, dest: String(r.dest).replace(/.*\//, '') });
  for (const check of [false, true]) {
    const [theirsDir, oursDir] = [join(dir, `ansible-${check}`), join(dir, `play-${check}`)];
    mkdirSync(theirsDir);
    mkdirSync(oursDir);
    if (check) for (const d of [theirsDir, oursDir]) writeFileSync(join(d, 'f.txt'), 'payload v1\n');
    const theirs = ansibleResults(steps(theirsDir, check).map((args) => ({ get_url: args })), { check });
    for (const [i, args] of steps(oursDir, check).entries()) {
      const ours = await get(args, check);
      expect({ check, i, ...view(ours) }).toEqual({ check, i, ...view(theirs[i]) });
    }
    const listing = (d: string) => spawnList(d);
    expect(listing(oursDir)).toEqual(listing(theirsDir));
  }
}, 300_000);

function spawnList(d: string): string[] {
  return ['f.txt', 'g.txt', 'file.txt', 'm.txt'].map((name) => {
    try {
      const st = statSync(join(d, name));
      return `${name} ${(st.mode & 0o777).toString(8)} ${readFileSync(join(d, name), 'utf8')}`;
    } catch {
      return `${name} absent`;
    }
  });
}

test('a file changed on the server since the download is fetched again; credentials never show', async () => {
  const dest = join(dir, 'newer.txt');
  expect((await get({ url: `${base}/file.txt`, dest })).changed).toBe(true);
  const past = Date.now() / 1000 - 3600;
  utimesSync(dest, past, past);
  writeFileSync(join(www, 'file.txt'), 'payload v2\n');
  expect((await get({ url: `${base}/file.txt`, dest })).changed).toBe(true);
  expect(readFileSync(dest, 'utf8')).toBe('payload v2\n');
  const secret = await get({ url: `${base}/nope`, dest: join(dir, 'x'), url_username: 'admin', url_password: 'hunter2-s3cret' });
  expect(secret.failed).toBe(true);
  expect(JSON.stringify(secret)).not.toContain('hunter2-s3cret');
  expect(getModule('get_url')!.args.safeParse({ url: 'http://user:pw@127.0.0.1/x', dest }).success).toBe(false);
});
