import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from './exec';
import { isAlive } from './processes';

/*
 * Several labs (parallel jest workers, a user's lab) may build the shared cache at the same
 * time; one builds, the others wait. mkdir is atomic, and the holder's PID lets a lock left by
 * a killed builder be taken over instead of blocking forever.
 */
export async function withCacheLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lockDir), { recursive: true });
  const pidFile = path.join(lockDir, 'pid');
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(pidFile, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(pidFile, 'utf8').catch(() => ''));
      if (holder > 0 && !isAlive(holder)) await rm(lockDir, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
