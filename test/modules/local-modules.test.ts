import { chmod, link, lstat, mkdir, mkdtemp, readFile, rm, stat as fsStat, symlink, writeFile, readlink, utimes } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { argv, splitCommandLine } from '../../src/modules/support/shell';
import { FACTS_COMMAND, parseFacts } from '../../src/modules/commands/facts';
import { debIsInstalled, debProbeCommand } from '../../src/modules/commands/apt';
import { buildTinyDeb } from './tiny-deb';
import { renderTemplateFile } from '../../src/lang/templates';
import type { ModuleContext, ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';

/**
 * The modules that only touch files, processes and HTTP, run for real by the controller's own shell
 * (the LocalConnection `delegate_to: localhost` uses) inside a temporary directory.
 */
const conn = new LocalConnection();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'play-modules-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ctx(overrides: Partial<ModuleContext> = {}): ModuleContext {
  return makeContext(conn, overrides);
}

function run(name: string, args: unknown, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  const module = getModule(name);
  if (!module) throw new Error(`no module ${name}`);
  return runModule(module, args, ctx(overrides));
}

/** converge → changed; again → ok; check mode on a fresh target → predicts changed and leaves it alone. */
async function expectIdempotent(name: string, args: unknown, before?: () => Promise<void>, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  if (before) await before();
  const predicted = await run(name, args, { ...overrides, check: true });
  expect({ name, check: predicted.changed }).toEqual({ name, check: true });
  const first = await run(name, args, overrides);
  expect({ name, first: first.changed, failed: first.failed }).toEqual({ name, first: true, failed: undefined });
  const second = await run(name, args, overrides);
  expect({ name, second: second.changed }).toEqual({ name, second: false });
  return first;
}

const ME = process.getuid?.() === 0 ? 'root' : String(process.getuid?.());

describe('shell quoting and splitting', () => {
  it('every word reaches the program verbatim', async () => {
    const nasty = ["it's", '$HOME', '`id`', 'a b', '', '*', ';rm -rf /', '"q"', '\\n'];
    const result = await conn.run(`printf '%s\\n' ${argv(...nasty)}`);
    expect(result.stdout).toBe(nasty.map((w) => `${w}\n`).join(''));
  });

  it('splits a command line like shlex: quotes group, metacharacters stay literal', () => {
    expect(splitCommandLine(`echo "a b" 'c d' $HOME | wc; x*`)).toEqual(['echo', 'a b', 'c d', '$HOME', '|', 'wc;', 'x*']);
  });
});

describe('file modules on the controller', () => {
  it('copy: content, mode, diff, backup, validate, check mode', async () => {
    const dest = join(dir, 'motd');
    const first = await expectIdempotent('copy', { dest, content: 'hello\n', mode: '0640' });
    expect(first.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(dest, 'utf8')).toBe('hello\n');
    expect(((await fsStat(dest)).mode & 0o777).toString(8)).toBe('640');

    const predicted = await run('copy', { dest, content: 'bye\n' }, { check: true, diff: true });
    expect(predicted.diff).toEqual([{ path: dest, before: 'hello\n', after: 'bye\n' }]);
    expect(await readFile(dest, 'utf8')).toBe('hello\n');

    const secret = await run('copy', { dest, content: 'token\n' }, { check: true, diff: true, noLog: true });
    expect(secret.diff?.[0].secret).toBe(true);

    const replaced = await run('copy', { dest, content: 'bye\n', backup: true });
    expect(await readFile(dest, 'utf8')).toBe('bye\n');
    expect(await readFile(replaced.backup_file as string, 'utf8')).toBe('hello\n');
    expect(((await fsStat(dest)).mode & 0o777).toString(8)).toBe('640');

    await expect(run('copy', { dest, content: 'bad\n', validate: 'grep -q ^ok %s' })).rejects.toThrow();
    expect(await readFile(dest, 'utf8')).toBe('bye\n');
    await expect(run('copy', { dest, content: 'ok\n', validate: 'grep -q ^ok %s' })).resolves.toMatchObject({ changed: true });
  });

  it('backup: a link planted at a name known in advance is left alone, the backup is a new file', async () => {
    const dest = join(dir, 'planted.conf');
    const victim = join(dir, 'victim');
    await writeFile(dest, 'old secret\n');
    await writeFile(victim, 'untouched\n');
    // every name a timestamp-only backup could take in the next seconds
    const start = Date.now();
    const planted = Array.from({ length: 30 }, (_, i) => `${dest}.${new Date(start + i * 1000).toISOString().replace(/[:]/g, '').replace(/\..*$/, '')}~`);
    for (const name of planted) await symlink(victim, name);

    const replaced = await run('copy', { dest, content: 'new\n', backup: true });
    const backup = replaced.backup_file as string;
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
    expect(planted).not.toContain(backup);
    expect(backup.startsWith(`${dest}.`) && backup.endsWith('~')).toBe(true);
    expect((await lstat(backup)).isFile()).toBe(true);
    expect(await readFile(backup, 'utf8')).toBe('old secret\n');
  });

  it('copy: src resolved on the controller, force: false keeps an existing file', async () => {
    const src = join(dir, 'local-src.txt');
    await writeFile(src, 'from src\n');
    await expectIdempotent('copy', { src, dest: join(dir, 'copied.txt') });
    expect(await readFile(join(dir, 'copied.txt'), 'utf8')).toBe('from src\n');
    expect((await run('copy', { dest: join(dir, 'copied.txt'), content: 'other', force: false })).changed).toBe(false);
    const into = join(dir, 'into');
    await mkdir(into);
    const intoDir = await run('copy', { src, dest: into });
    expect(intoDir).toMatchObject({ changed: true, dest: join(into, 'local-src.txt') });
    expect((await run('copy', { src, dest: `${into}/` })).changed).toBe(false);
  });

  it('template: rendered by the engine strict Handlebars renderer from templates/, then converged like copy', async () => {
    const dest = join(dir, 'rendered.conf');
    await writeFile(join(dir, 'site.conf.hbs'), 'listen {{port}}\nworkers {{workers}}\n');
    const withVars = (vars: Record<string, unknown>): Partial<ModuleContext> => ({
      vars,
      resolveLocal: (path) => join(dir, path),
      renderTemplate: (path) => renderTemplateFile(path, vars),
    });
    await expectIdempotent('template', { src: 'site.conf.hbs', dest }, undefined, withVars({ port: 80, workers: 2 }));
    expect(await readFile(dest, 'utf8')).toBe('listen 80\nworkers 2\n');
    await expect(run('template', { src: 'site.conf.hbs', dest }, withVars({ port: 81 }))).rejects.toThrow(/workers/);
    expect(await readFile(dest, 'utf8')).toBe('listen 80\nworkers 2\n');
  });

  it('file: directory, recurse, touch, link, absent', async () => {
    const tree = join(dir, 'tree');
    await expectIdempotent('file', { path: tree, state: 'directory', mode: '0750' });
    expect(((await fsStat(tree)).mode & 0o777).toString(8)).toBe('750');
    await writeFile(join(tree, 'leaf'), 'x', { mode: 0o600 });
    await expectIdempotent('file', { path: tree, state: 'directory', mode: '0755', recurse: true });
    expect(((await fsStat(join(tree, 'leaf'))).mode & 0o777).toString(8)).toBe('755');
    await expectIdempotent('file', { path: join(dir, 'stamp'), state: 'touch', owner: ME, access_time: 'preserve', modification_time: 'preserve' });
    const link = join(dir, 'current');
    await expectIdempotent('file', { path: link, state: 'link', src: tree });
    expect(await readlink(link)).toBe(tree);
    await expectIdempotent('file', { path: tree, state: 'absent' });
    await expect(run('file', { path: join(dir, 'missing'), state: 'file' })).rejects.toThrow(/absent/);
  });

  it('touch with default times is always changed, as in Ansible', async () => {
    const path = join(dir, 'touched');
    await run('file', { path, state: 'touch' });
    await utimes(path, 1000, 1000);
    expect((await run('file', { path, state: 'touch' })).changed).toBe(true);
    expect((await fsStat(path)).mtimeMs).toBeGreaterThan(1_000_000);
  });

  it('lineinfile and blockinfile converge and keep the rest of the file', async () => {
    const path = join(dir, 'sshd_config');
    await writeFile(path, 'Port 22\n#PermitRootLogin yes\n', { mode: 0o600 });
    await expectIdempotent('lineinfile', { path, regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' });
    await expectIdempotent('blockinfile', { path, block: 'Match User backup\n  ForceCommand internal-sftp' });
    expect(await readFile(path, 'utf8')).toBe(
      'Port 22\nPermitRootLogin no\n# BEGIN ANSIBLE MANAGED BLOCK\nMatch User backup\n  ForceCommand internal-sftp\n# END ANSIBLE MANAGED BLOCK\n',
    );
    expect(((await fsStat(path)).mode & 0o777).toString(8)).toBe('600');
    await expect(run('lineinfile', { path: join(dir, 'nope'), line: 'x' })).rejects.toThrow(/does not exist.*create: true/);
    await expectIdempotent('lineinfile', { path: join(dir, 'created'), line: 'x', create: true });
  });

  it('stat reports type, mode, owner and sha1 or sha256', async () => {
    const path = join(dir, 'stat-me');
    await writeFile(path, 'abc', { mode: 0o604 });
    const sha1 = await run('stat', { path });
    expect(sha1.stat).toMatchObject({ exists: true, isreg: true, isdir: false, mode: '0604', size: 3, checksum: 'a9993e364706816aba3e25717850c26c9cd0d89d' });
    const sha256 = await run('stat', { path, checksum_algorithm: 'sha256' });
    expect((sha256.stat as { checksum: string }).checksum).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await symlink(path, join(dir, 'stat-link'));
    expect((await run('stat', { path: join(dir, 'stat-link') })).stat).toMatchObject({ islnk: true, lnk_source: path });
    expect((await run('stat', { path: join(dir, 'absent') })).stat).toEqual({ exists: false, path: join(dir, 'absent') });
  });
});

const modeOf = async (path: string) => ((await fsStat(path)).mode & 0o7777).toString(8);

describe('symbolic modes, directory copies, hard links on the controller', () => {
  it('symbolic modes: computed from the current mode, ok once satisfied, for file, copy and recurse', async () => {
    const path = join(dir, 'sym-file');
    await writeFile(path, 'x', { mode: 0o600 });
    await chmod(path, 0o600);
    await expectIdempotent('file', { path, mode: 'a+rX' });
    expect(await modeOf(path)).toBe('644');
    expect((await run('file', { path, mode: 'u=rw,g=r,o=r' })).changed).toBe(false);

    const copied = join(dir, 'sym-copy');
    await expectIdempotent('copy', { dest: copied, content: 'secret\n', mode: 'u=rw,g=r,o=' });
    expect(await modeOf(copied)).toBe('640');
    await expectIdempotent('copy', { dest: copied, content: 'new\n', mode: 'g-r' });
    expect(await modeOf(copied)).toBe('600');

    const tree = join(dir, 'sym-tree');
    await mkdir(join(tree, 'sub'), { recursive: true, mode: 0o755 });
    await writeFile(join(tree, 'sub', 'leaf'), 'x', { mode: 0o644 });
    await chmod(join(tree, 'sub', 'leaf'), 0o644);
    expect((await run('file', { path: tree, state: 'directory', mode: 'go-w', recurse: true })).changed).toBe(false);
    await expectIdempotent('file', { path: tree, state: 'directory', mode: 'o-rwx', recurse: true });
    expect([await modeOf(join(tree, 'sub')), await modeOf(join(tree, 'sub', 'leaf'))]).toEqual(['750', '640']);
  });

  it('copy of a local directory: dir/ copies its contents, dir the directory itself; only differing files are written', async () => {
    const src = join(dir, 'site');
    await mkdir(join(src, 'conf.d'), { recursive: true });
    await mkdir(join(src, 'empty'), { recursive: true });
    await writeFile(join(src, 'index.html'), '<h1>hi</h1>\n');
    await writeFile(join(src, 'conf.d', 'a.conf'), 'a=1\n');

    const contents = join(dir, 'www', 'html');
    const first = await expectIdempotent('copy', { src: `${src}/`, dest: contents, mode: '0640' });
    expect(first.dest).toBe(contents);
    expect(await readFile(join(contents, 'conf.d', 'a.conf'), 'utf8')).toBe('a=1\n');
    expect(await modeOf(join(contents, 'index.html'))).toBe('640');
    expect((await fsStat(join(contents, 'empty'))).isDirectory()).toBe(true);

    const itself = await run('copy', { src, dest: `${join(dir, 'www')}/` });
    expect(itself).toMatchObject({ changed: true, dest: join(dir, 'www', 'site') });
    expect(await readFile(join(dir, 'www', 'site', 'index.html'), 'utf8')).toBe('<h1>hi</h1>\n');

    await writeFile(join(src, 'conf.d', 'a.conf'), 'a=2\n');
    const predicted = await run('copy', { src: `${src}/`, dest: contents, mode: '0640' }, { check: true, diff: true });
    expect(predicted).toMatchObject({ changed: true, diff: [{ path: join(contents, 'conf.d', 'a.conf'), before: 'a=1\n', after: 'a=2\n' }] });
    expect(await readFile(join(contents, 'conf.d', 'a.conf'), 'utf8')).toBe('a=1\n');
    const before = (await fsStat(join(contents, 'index.html'))).ino;
    expect((await run('copy', { src: `${src}/`, dest: contents, mode: '0640' })).changed).toBe(true);
    expect(await readFile(join(contents, 'conf.d', 'a.conf'), 'utf8')).toBe('a=2\n');
    expect((await fsStat(join(contents, 'index.html'))).ino).toBe(before);

    expect((await run('copy', { src: `${src}/`, dest: join(dir, 'www', 'site'), force: false })).changed).toBe(false);
    await writeFile(join(dir, 'blocker'), 'not a directory');
    await expect(run('copy', { src: `${src}/`, dest: join(dir, 'blocker') })).rejects.toThrow(/blocker exists .* not a directory/);
  });

  it('copy remote_src: the host file is copied atomically, only when its content differs', async () => {
    const src = join(dir, 'on-host.conf');
    await writeFile(src, 'host side\n');
    const dest = join(dir, 'from-host.conf');
    await expectIdempotent('copy', { src, dest, remote_src: true, mode: '0600' });
    expect(await readFile(dest, 'utf8')).toBe('host side\n');
    expect(await modeOf(dest)).toBe('600');
    await expect(run('copy', { src: join(dir, 'nowhere'), dest, remote_src: true })).rejects.toThrow(/remote src .*nowhere does not exist/);
    await expect(run('copy', { src: dir, dest, remote_src: true })).rejects.toThrow(/is a directory; remote_src copies one regular file/);
  });

  it('file state: hard links to src, same inode is ok, force replaces another file', async () => {
    const src = join(dir, 'hard-src');
    await writeFile(src, 'shared\n', { mode: 0o644 });
    await chmod(src, 0o644);
    const path = join(dir, 'hard-link');
    await expectIdempotent('file', { path, state: 'hard', src });
    expect((await fsStat(path)).ino).toBe((await fsStat(src)).ino);

    const existing = join(dir, 'hard-existing');
    await link(src, existing);
    expect((await run('file', { path: existing, state: 'hard', src })).changed).toBe(false);
    await expectIdempotent('file', { path: existing, state: 'hard', src, mode: 'go-r' });
    expect(await modeOf(src)).toBe('600');

    const other = join(dir, 'hard-other');
    await writeFile(other, 'other\n');
    await expect(run('file', { path: other, state: 'hard', src })).rejects.toThrow(/different file .*force: true/);
    expect(await readFile(other, 'utf8')).toBe('other\n');
    expect((await run('file', { path: other, state: 'hard', src, force: true })).changed).toBe(true);
    expect((await fsStat(other)).ino).toBe((await fsStat(src)).ino);
    await expect(run('file', { path: join(dir, 'hard-none'), state: 'hard', src: join(dir, 'missing-src') })).rejects.toThrow(/does not exist/);
  });
});

describe('apt deb probe (read-only, on this machine)', () => {
  it('reads name and version from a real .deb and sees it is not installed', async () => {
    const path = join(dir, 'play-probe-test_1.2-3_all.deb');
    await writeFile(path, buildTinyDeb('play-probe-test', '1.2-3'));
    const probe = await conn.run(debProbeCommand(path));
    expect(debIsInstalled(probe.stdout)).toEqual({ name: 'play-probe-test', version: '1.2-3', installed: false });
    expect(debIsInstalled('deb\tx\t1.0\ninstalled\tii 1.0\n').installed).toBe(true);
    expect((await conn.run(debProbeCommand(join(dir, 'missing.deb')))).stderr).toMatch(/no such file/);
  });
});

describe('command and shell', () => {
  it('command does not interpret shell syntax; shell does', async () => {
    const literal = await run('command', { cmd: 'echo $HOME | wc' });
    expect(literal).toMatchObject({ changed: true, rc: 0, stdout: '$HOME | wc' });
    const piped = await run('shell', { cmd: 'echo one two | wc -w' });
    expect(piped.stdout).toBe('2');
    const viaArgv = await run('command', { argv: ['printf', '%s', 'a b;c'] });
    expect(viaArgv.stdout).toBe('a b;c');
  });

  it('chdir, stdin, failure with rc and stderr', async () => {
    expect((await run('command', { cmd: 'pwd', chdir: dir })).stdout).toBe(dir);
    expect((await run('command', { cmd: 'cat', stdin: 'fed' })).stdout).toBe('fed');
    const failed = await run('shell', { cmd: 'echo oops >&2; exit 3' });
    expect(failed).toMatchObject({ failed: true, rc: 3, stderr: 'oops' });
  });

  it('creates/removes short-circuit and check mode runs nothing', async () => {
    const marker = join(dir, 'ran-once');
    const args = { cmd: `touch ${marker}`, creates: marker };
    expect((await run('command', args, { check: true })).changed).toBe(true);
    await expect(fsStat(marker)).rejects.toThrow();
    expect((await run('command', args)).changed).toBe(true);
    expect(await run('command', args)).toMatchObject({ changed: false, msg: `skipped, since ${marker} exists` });
    expect((await run('command', { cmd: 'true', removes: join(dir, 'never') })).changed).toBe(false);
  });
});

describe('wait_for, uri, setup against real local services', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') return void res.end('{"ok":true}');
      res.statusCode = 503;
      res.end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('wait_for a listening port, a closed one times out, a path appears', async () => {
    expect(await run('wait_for', { port, timeout: 5 })).toMatchObject({ changed: false, state: 'started' });
    const closed = await run('wait_for', { port: 1, timeout: 1, sleep: 1 });
    expect(closed).toMatchObject({ failed: true });
    expect(closed.msg).toMatch(/Timeout when waiting for 127.0.0.1:1/);
    const path = join(dir, 'appears');
    setTimeout(() => void writeFile(path, 'ready now'), 500);
    expect(await run('wait_for', { path, search_regex: 'ready', timeout: 10 })).toMatchObject({ changed: false });
  });

  it('uri: status, content, json; a wrong status fails with it', async () => {
    const ok = await run('uri', { url: `http://127.0.0.1:${port}/health`, return_content: true });
    expect(ok).toMatchObject({ changed: false, status: 200, content: '{"ok":true}' });
    const bad = await run('uri', { url: `http://127.0.0.1:${port}/other` });
    expect(bad).toMatchObject({ failed: true, status: 503 });
    expect(bad.msg).toMatch(/Status code was 503 and not \[200\]/);
    expect((await run('uri', { url: `http://127.0.0.1:${port}/other`, status_code: [200, 503] })).failed).toBeUndefined();
    const refused = await run('uri', { url: 'http://127.0.0.1:1/', timeout: 2 });
    expect(refused).toMatchObject({ failed: true, status: -1 });
    expect((await run('uri', { url: `http://127.0.0.1:${port}/x`, method: 'POST', body: { a: 1 }, body_format: 'json' }, { check: true })).skipped).toBe(true);
  });

  it('setup gathers facts of this Debian machine in one command', async () => {
    const facts = parseFacts((await conn.run(FACTS_COMMAND)).stdout);
    expect(facts).toMatchObject({ os_family: 'Debian', distribution: 'Debian', distribution_release: 'bookworm', pkg_mgr: 'apt' });
    expect(facts.processor_count).toBeGreaterThan(0);
    expect(facts.memtotal_mb).toBeGreaterThan(100);
    expect(facts.distribution_version).toMatch(/^12/);
    const viaModule = await run('setup', {});
    expect(viaModule.facts).toMatchObject({ hostname: facts.hostname });
  });
});

describe('controller modules', () => {
  const vars = { result: { rc: 0, stdout: 'ok' }, port: 80 };

  it('debug shows msg or a variable, and says when it is undefined', async () => {
    expect((await run('debug', { msg: 'hi' })).msg).toBe('hi');
    expect((await run('debug', { var: 'result.stdout' }, { vars }))['result.stdout']).toBe('ok');
    expect((await run('debug', { var: 'missing' }, { vars })).missing).toBe('VARIABLE IS NOT DEFINED!');
  });

  it('assert passes, or fails naming the first false condition', async () => {
    expect(await run('assert', { that: ['result.rc == 0', 'port > 0'] }, { vars })).toMatchObject({ changed: false, msg: 'All assertions passed' });
    expect(await run('assert', { that: ['result.rc == 0', 'port > 1000'], fail_msg: 'port too low' }, { vars })).toMatchObject({
      failed: true,
      assertion: 'port > 1000',
      msg: 'port too low',
    });
  });

  it('set_fact, fail, pause', async () => {
    expect((await run('set_fact', { release: 'v2', cacheable: true })).facts).toEqual({ release: 'v2' });
    expect(await run('fail', { msg: 'stop here' })).toMatchObject({ failed: true, msg: 'stop here' });
    const paused = await run('pause', { seconds: 0.2 });
    expect(paused.delta_ms).toBeGreaterThanOrEqual(190);
  });
});
