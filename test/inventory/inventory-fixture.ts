import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throw-away directory tree for inventory tests: `files` maps relative paths to contents. */
export function fixtureTree(files: Record<string, string>): { root: string; path(rel: string): string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'play-inventory-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return { root, path: (rel) => join(root, rel), remove: () => rmSync(root, { recursive: true, force: true }) };
}
