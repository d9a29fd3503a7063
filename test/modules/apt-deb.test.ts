import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import type { ModuleContext, ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';
import { buildTinyDeb } from './tiny-deb';

/**
 * apt `deb:` for real on this machine (the tests run as root): a tiny package built with dpkg-deb,
 * whose only dependency (dpkg) is already installed, so nothing else is ever installed. The
 * package is purged afterwards, even on failure.
 */
const PKG = `play-deb-test${process.pid}`;
const conn = new LocalConnection();
const apt = getModule('apt');
if (!apt) throw new Error('no apt module');
let dir: string;

function purge(): void {
  execFileSync('dpkg', ['--purge', PKG], { stdio: 'ignore' });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'play-apt-deb-'));
});
afterAll(async () => {
  purge();
  await rm(dir, { recursive: true, force: true });
});

function run(args: Record<string, unknown>, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  return runModule(apt!, args, makeContext(conn, overrides));
}

/** dpkg's status and version of the test package, or 'none'. */
function installed(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}${Version}', PKG], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'none';
  }
}

async function debFile(version: string, depends?: string): Promise<string> {
  const path = join(dir, `${PKG}_${version}_all.deb`);
  await writeFile(path, buildTinyDeb(PKG, version, depends));
  return path;
}

describe('apt deb: a .deb on the host, installed on this machine', () => {
  it('check mode predicts the install, then installs once, then is ok; a new version upgrades', async () => {
    const v1 = await debFile('1.0', 'dpkg');
    const predicted = await run({ deb: v1 }, { check: true });
    expect(predicted).toMatchObject({ changed: true, installed: [`${PKG}=1.0`] });
    expect(installed()).toBe('none');

    expect(await run({ deb: v1 })).toMatchObject({ changed: true, installed: [`${PKG}=1.0`] });
    expect(installed()).toBe('ii 1.0');
    expect(await run({ deb: v1 })).toMatchObject({ changed: false, installed: [] });

    const v2 = await debFile('1.1');
    expect((await run({ deb: v2 }, { check: true })).changed).toBe(true);
    expect(installed()).toBe('ii 1.0');
    expect((await run({ deb: v2 })).changed).toBe(true);
    expect(installed()).toBe('ii 1.1');
    expect((await run({ deb: v2 })).changed).toBe(false);
  });

  it('a dependency apt cannot satisfy fails the task and installs nothing', async () => {
    purge();
    const broken = await debFile('2.0', 'play-no-such-package-anywhere');
    await expect(run({ deb: broken })).rejects.toThrow(/apt-get install .* failed on localhost \(exit 100\): .* : Depends: play-no-such-package-anywhere but it is not installable/);
    expect(installed()).toBe('none');
  });

  it('refuses URLs and relative paths at load time; a missing file is one clear error', async () => {
    const issues = (deb: string) => JSON.stringify(apt.args.safeParse({ deb }).error?.issues ?? []);
    expect(issues('http://127.0.0.1/x.deb')).toMatch(/a URL is not supported: copy the .deb to the host first/);
    expect(issues('http://127.0.0.1/x.deb')).not.toMatch(/absolute path/);
    expect(issues('pkg.deb')).toMatch(/must be the absolute path of a .deb file on the host/);
    expect(issues('/tmp/pkg.tar')).toMatch(/must be the absolute path of a .deb file on the host/);
    await expect(run({ deb: join(dir, 'missing.deb') })).rejects.toThrow(/reading .*missing\.deb failed on localhost \(exit 2\): no such file/);
  });
});
