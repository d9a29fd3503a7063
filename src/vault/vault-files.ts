import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { VaultError } from './vault-error';

const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces a vault file atomically. An existing file keeps its mode; a new one is private (it
 * holds vault data or, for decrypt, plaintext secrets).
 */
export function writeVaultFile(path: string, data: string | Buffer): void {
  writeFileAtomic(path, data, { mode: PRIVATE_FILE_MODE, keepMode: true });
}

/**
 * Lets the user edit a text in $EDITOR (then $VISUAL, then vi) on a private temp file (0600 in a
 * 0700 directory), removed afterwards whatever happens. Returns the edited text.
 */
export function editInEditor(initial: string | Buffer, env: NodeJS.ProcessEnv = process.env): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'play-vault-'));
  const file = join(dir, 'plaintext');
  try {
    const fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
    writeSync(fd, typeof initial === 'string' ? Buffer.from(initial) : initial);
    closeSync(fd);
    const editor = env.EDITOR || env.VISUAL || 'vi';
    // through the shell, so EDITOR="code --wait" works like it does for git and ansible-vault
    const result = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit', env });
    if (result.error) throw new VaultError(`cannot run the editor ${editor}: ${result.error.message}`);
    if (result.status !== 0) throw new VaultError(`the editor ${editor} exited with status ${result.status ?? result.signal}; nothing was saved`);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
