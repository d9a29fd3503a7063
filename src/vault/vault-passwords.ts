import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { VaultError } from './vault-error';

export const DEFAULT_VAULT_ID = 'default';
export const VAULT_PASSWORD_ENV = 'PLAY_VAULT_PASSWORD';

export interface VaultPassword {
  id: string;
  password: Buffer;
  /** Where the password came from, for messages (never the password itself). */
  source: string;
}

/** A password, or how to get it when first needed. */
export type VaultPasswordSource = VaultPassword | (() => VaultPassword);

/**
 * The vault passwords of a run; several may be given (one per vault id), all are tried on decrypt.
 * A source given as a function is called on first use, so a password file is read (a password
 * script run) only when there is vault data to open.
 */
export class VaultPasswords {
  private resolved: { entries: readonly VaultPassword[] } | { error: unknown } | undefined;

  constructor(private readonly sources: readonly VaultPasswordSource[] = []) {}

  static fromPassword(password: string | Buffer, id = DEFAULT_VAULT_ID, source = 'argument'): VaultPasswords {
    return new VaultPasswords([{ id, password: Buffer.from(password), source }]);
  }

  get isEmpty(): boolean {
    return this.sources.length === 0;
  }

  /** The passwords, getting the deferred ones now; a failure is kept, so a failing script runs once. */
  get entries(): readonly VaultPassword[] {
    if (!this.resolved) {
      try {
        this.resolved = { entries: this.sources.map((source) => (typeof source === 'function' ? source() : source)) };
      } catch (error) {
        this.resolved = { error };
      }
    }
    if ('error' in this.resolved) throw this.resolved.error;
    return this.resolved.entries;
  }

  /** Passwords to try for an envelope: the ones labelled with its vault id first, then the rest. */
  candidatesFor(vaultId: string | undefined): Buffer[] {
    const matching = this.entries.filter((e) => vaultId !== undefined && e.id === vaultId);
    const others = this.entries.filter((e) => !matching.includes(e));
    return [...matching, ...others].map((e) => e.password);
  }

  /** The secret used to encrypt: the one with the given id, else the first. */
  forEncryption(vaultId?: string): VaultPassword {
    const secret = (vaultId && this.entries.find((e) => e.id === vaultId)) || this.entries[0];
    if (!secret) throw new VaultError('no vault password given (use --vault-password-file, --vault-id or $PLAY_VAULT_PASSWORD)');
    return secret;
  }
}

/**
 * Reads a password file like Ansible: an executable file is run and its stdout is the password
 * (a `*-client` script also gets `--vault-id <id>`); otherwise the file's content, trimmed.
 */
export function readPasswordFile(path: string, id = DEFAULT_VAULT_ID): VaultPassword {
  let password: string;
  try {
    if (isExecutable(path)) {
      const args = isClientScript(path) ? ['--vault-id', id] : [];
      password = execFileSync(path, args, { stdio: ['inherit', 'pipe', 'inherit'] }).toString().replace(/^[\r\n]+|[\r\n]+$/g, '');
    } else {
      password = readFileSync(path, 'utf8').trim();
    }
  } catch (err) {
    throw new VaultError(`cannot read vault password file ${path}: ${(err as Error).message}`);
  }
  if (!password) throw new VaultError(`vault password file ${path} is empty`);
  return { id, password: Buffer.from(password), source: path };
}

/** `--vault-id label@source` (source: a file, a script, or `prompt`); a bare source gets the default label. */
export function parseVaultIdOption(option: string): { id: string; source: string } {
  const at = option.indexOf('@');
  return at < 0 ? { id: DEFAULT_VAULT_ID, source: option } : { id: option.slice(0, at) || DEFAULT_VAULT_ID, source: option.slice(at + 1) };
}

export interface VaultPasswordOptions {
  passwordFiles?: string[];
  vaultIds?: string[];
  /** Where $PLAY_VAULT_PASSWORD is read from; the variable is removed from it once read. */
  env?: NodeJS.ProcessEnv;
  /** Ask on the terminal (no echo) when no other source gave a password; only when stdin is a TTY. */
  prompt?: boolean;
  askPassword?: (question: string) => Promise<string>;
  /** Told every password as it becomes known (to register it as a secret to mask in output). */
  onPassword?: (password: string) => void;
}

/**
 * Collects the run's vault passwords from --vault-password-file, --vault-id, $PLAY_VAULT_PASSWORD,
 * then a prompt. Files and scripts are deferred to the first decrypt: a play.yml naming a script
 * must not run it for a playbook without vault data. The variable is read and removed now, so no
 * command the run starts (a password script, `shell: env` on localhost) inherits it. Prompts are
 * asked now: they were asked for on the command line, as with ansible-playbook.
 */
export async function resolveVaultPasswords(options: VaultPasswordOptions = {}): Promise<VaultPasswords> {
  const ask = options.askPassword ?? promptPassword;
  const known = (entry: VaultPassword): VaultPassword => {
    options.onPassword?.(entry.password.toString());
    return entry;
  };
  const fromFile = (file: string, id?: string) => () => known(readPasswordFile(file, id));
  const env = options.env ?? process.env;
  const fromEnv = env[VAULT_PASSWORD_ENV];
  delete env[VAULT_PASSWORD_ENV];
  const sources: VaultPasswordSource[] = (options.passwordFiles ?? []).map((file) => fromFile(file));
  for (const option of options.vaultIds ?? []) {
    const { id, source } = parseVaultIdOption(option);
    if (source === 'prompt') sources.push(known({ id, password: Buffer.from(await askNonEmpty(ask, `Vault password (${id}): `)), source: 'prompt' }));
    else sources.push(fromFile(source, id));
  }
  if (fromEnv) sources.push(known({ id: DEFAULT_VAULT_ID, password: Buffer.from(fromEnv), source: `$${VAULT_PASSWORD_ENV}` }));
  if (sources.length === 0 && options.prompt && (options.askPassword || process.stdin.isTTY)) {
    sources.push(known({ id: DEFAULT_VAULT_ID, password: Buffer.from(await askNonEmpty(ask, 'Vault password: ')), source: 'prompt' }));
  }
  return new VaultPasswords(sources);
}

async function askNonEmpty(ask: (q: string) => Promise<string>, question: string): Promise<string> {
  const answer = await ask(question);
  if (!answer) throw new VaultError('empty vault password');
  return answer;
}

/** Reads a line from the terminal without echoing it. */
export function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new VaultError('a vault password is needed but stdin is not a terminal'));
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new VaultError('interrupted'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isClientScript(path: string): boolean {
  return basename(path, extname(path)).endsWith('-client');
}
