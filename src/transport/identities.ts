import { promises as fs } from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import { askPassphrase } from './passphrase-prompt';

export const PASSPHRASE_ENV = 'PLAY_SSH_PASSPHRASE';

export type PassphraseSource = (file: string) => Promise<string | undefined>;

/** PLAY_SSH_PASSPHRASE, else a prompt when someone is at a terminal, else nothing. */
export const defaultPassphraseSource: PassphraseSource = async (file) => {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) return fromEnv;
  return process.stdin.isTTY && process.stderr.isTTY ? askPassphrase(`Enter passphrase for key '${file}': `) : undefined;
};

export class IdentityError extends Error {}

/**
 * Private keys read once per run (one passphrase prompt per file, however many hosts use it).
 * A file that does not exist is skipped, as OpenSSH does with its default identities.
 */
export class IdentityStore {
  private readonly cache = new Map<string, Promise<ParsedKey | undefined>>();

  constructor(private readonly passphrase: PassphraseSource = defaultPassphraseSource) {}

  async load(files: string[]): Promise<ParsedKey[]> {
    const keys = await Promise.all(files.map((file) => this.loadOne(file)));
    return keys.filter((key): key is ParsedKey => key !== undefined);
  }

  private loadOne(file: string): Promise<ParsedKey | undefined> {
    let pending = this.cache.get(file);
    if (!pending) {
      pending = this.read(file);
      this.cache.set(file, pending);
    }
    return pending;
  }

  private async read(file: string): Promise<ParsedKey | undefined> {
    const data = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new IdentityError(`cannot read identity file ${file}: ${err.message}`);
    });
    if (data === undefined) return undefined;
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
      const passphrase = await this.passphrase(file);
      if (passphrase === undefined) throw new IdentityError(`identity file ${file} is encrypted: set ${PASSPHRASE_ENV} or run play from a terminal to be asked`);
      parsed = utils.parseKey(data, passphrase);
      if (parsed instanceof Error) throw new IdentityError(`identity file ${file}: wrong passphrase (${parsed.message})`);
    }
    if (parsed instanceof Error) throw new IdentityError(`identity file ${file} is not a private key ssh2 can use: ${parsed.message}`);
    return Array.isArray(parsed) ? parsed[0] : parsed;
  }
}
