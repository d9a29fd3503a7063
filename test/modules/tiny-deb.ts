import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real, minimal .deb (one file) built with dpkg-deb, for apt's `deb:` option; `depends` is its Depends: field. */
export function buildTinyDeb(name: string, version: string, depends?: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'play-deb-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr/share/doc', name), { recursive: true });
    writeFileSync(join(root, 'usr/share/doc', name, 'README'), `${name} ${version}\n`);
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: play tests <tests@example.invalid>\n${depends === undefined ? '' : `Depends: ${depends}\n`}Description: play module test package\n`,
    );
    const deb = join(dir, 'out.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, deb], { stdio: 'ignore' });
    return readFileSync(deb);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
