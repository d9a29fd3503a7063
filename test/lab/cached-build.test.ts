import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// CACHE_ROOT is read when the lab's layout module loads.
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'pt-lab-cache-'));
process.env.PLAY_LAB_CACHE = cacheRoot;
const { ensureCachedBuild } = require('../../src/lab/cached-build') as typeof import('../../src/lab/cached-build');

afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

function entry(recipe: string, builds: string[]) {
  return {
    prefix: 'thing',
    recipe,
    build: async (dir: string): Promise<void> => {
      builds.push(recipe);
      await new Promise((resolve) => setTimeout(resolve, 200));
      writeFileSync(path.join(dir, 'built'), recipe);
    },
  };
}

test('labs that need the same entry at once: one builds, the others wait and get it; no lock is left', async () => {
  const builds: string[] = [];
  const dirs = await Promise.all([1, 2, 3].map(() => ensureCachedBuild(entry('r1', builds))));
  expect(builds).toEqual(['r1']);
  expect(new Set(dirs)).toEqual(new Set([path.join(cacheRoot, 'thing-r1')]));
  expect(readdirSync(cacheRoot)).toEqual(['thing-r1']);
});

test('a lock left by a builder that died is taken over; the older recipe is pruned', async () => {
  const dead = spawnSync('true').pid;
  const holder = { pid: dead, host: os.hostname(), since: new Date().toISOString(), nonce: 'dead' };
  writeFileSync(path.join(cacheRoot, 'thing.lock'), JSON.stringify(holder));
  const builds: string[] = [];
  expect(await ensureCachedBuild(entry('r2', builds))).toBe(path.join(cacheRoot, 'thing-r2'));
  expect(builds).toEqual(['r2']);
  expect(readdirSync(cacheRoot)).toEqual(['thing-r2']);
});
