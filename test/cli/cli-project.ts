import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The built CLI (`bin/play.js`, from `npm run build`) on the fixture project: its hosts are the
 * controller itself (`ansible_connection: local`), so every task really runs.
 */
export const BIN = resolve(__dirname, '../../bin/play.js');
const FIXTURE = resolve(__dirname, '../fixtures/engine/cli-project');

export function requireBuild(): void {
  if (!existsSync(resolve(__dirname, '../../dist/cli/main.js'))) throw new Error('run `npm run build` first (npm test does)');
}

/** A fresh copy of the fixture project, with an empty `out/` for the files the tasks write. */
export function copyCliProject(): { dir: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'play-cli-'));
  cpSync(FIXTURE, dir, { recursive: true });
  const out = join(dir, 'out');
  mkdirSync(out);
  return { dir, out };
}

export function runPlay(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** For each test of the calling file, a fresh copy of the fixture project (removed afterwards). */
export function cliProjectPerTest(): { readonly dir: string; readonly out: string } {
  const current = { dir: '', out: '' };
  beforeAll(requireBuild);
  beforeEach(() => Object.assign(current, copyCliProject()));
  afterEach(() => rmSync(current.dir, { recursive: true, force: true }));
  return current;
}
