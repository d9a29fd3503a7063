import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec';

/**
 * `lab-marker`: a package of the lab's own, installed on every host at version 1, so that
 * publishing version N+1 gives `apt upgrade` something real to do. Like a kernel or libc update,
 * every version after the first asks for a reboot through Debian's /var/run/reboot-required.
 */
export const MARKER_PACKAGE = 'lab-marker';

export function markerDebName(version: number): string {
  return `${MARKER_PACKAGE}_${version}_all.deb`;
}

export async function buildMarkerDeb(version: number, outDir: string): Promise<string> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lab-marker-'));
  try {
    await mkdir(path.join(work, 'DEBIAN'));
    await mkdir(path.join(work, 'usr/share', MARKER_PACKAGE), { recursive: true });
    await writeFile(path.join(work, 'usr/share', MARKER_PACKAGE, 'version'), `${version}\n`);
    await writeFile(
      path.join(work, 'DEBIAN/control'),
      [
        `Package: ${MARKER_PACKAGE}`,
        `Version: ${version}`,
        'Architecture: all',
        'Maintainer: play lab <root@localhost>',
        'Section: misc',
        'Priority: optional',
        'Description: play lab update marker',
        ' Published by `play lab publish-update` to exercise the patching flow.',
        '',
      ].join('\n'),
    );
    if (version > 1) {
      const postinst = path.join(work, 'DEBIAN/postinst');
      await writeFile(
        postinst,
        `#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n  touch /var/run/reboot-required\n  echo ${MARKER_PACKAGE} >> /var/run/reboot-required.pkgs\nfi\n`,
      );
      await chmod(postinst, 0o755);
    }
    await mkdir(outDir, { recursive: true });
    const deb = path.join(outDir, markerDebName(version));
    await run('dpkg-deb', ['--root-owner-group', '--build', work, deb]);
    return deb;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
