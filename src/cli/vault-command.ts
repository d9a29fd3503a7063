import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_VAULT_ID,
  VaultError,
  VaultPasswords,
  decryptVault,
  encryptString,
  encryptVault,
  isVaulted,
  parseEnvelope,
  promptPassword,
  resolveVaultPasswords,
} from '../vault';
import { editInEditor, writeVaultFile } from '../vault/vault-files';

/** What the vault command talks to; tests pass their own. */
export interface VaultCommandIo {
  stdin: () => Promise<Buffer>;
  stdout: (text: string | Buffer) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  askPassword: (question: string) => Promise<string>;
  edit: (initial: Buffer) => Buffer;
}

interface PasswordOptions {
  vaultPasswordFile?: string[];
  vaultId?: string[];
  encryptVaultId?: string;
  newVaultPasswordFile?: string;
  newVaultId?: string;
  output?: string;
}

const STDIO = '-';
const IN_PLACE_OUTPUT = 'write to this file ("-" for stdout) instead of in place';

function defaultIo(): VaultCommandIo {
  return {
    stdin: async () => {
      if (process.stdin.isTTY) process.stderr.write('Reading the value from stdin (Ctrl-D to end it)\n');
      // read as a stream: a synchronous read of a non-blocking pipe fails with EAGAIN when the writer is slow
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    askPassword: promptPassword,
    edit: (initial) => editInEditor(initial),
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `play vault create|encrypt|decrypt|view|edit|rekey|encrypt_string`, compatible with
 * ansible-vault's files (format 1.1, or 1.2 with --encrypt-vault-id).
 */
export function registerVaultCommand(program: Command, io: VaultCommandIo = defaultIo()): Command {
  const vault = program.command('vault').description('encrypt and decrypt secrets (ansible-vault format)');
  const withPasswords = (cmd: Command): Command =>
    cmd
      .option('--vault-password-file <file>', 'vault password file (an executable prints the password)', collect)
      .option('--vault-id <label@source>', 'vault id and its password source (file, script or "prompt")', collect);
  const withEncryptVaultId = (cmd: Command): Command => cmd.option('--encrypt-vault-id <id>', 'the vault id to encrypt with (format 1.2)');
  const withOutput = (cmd: Command, what: string): Command => cmd.option('--output <file>', what);
  // commander passes the positional arguments, then the options, then the command itself
  const run = <A extends any[]>(action: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
    // `play` itself declares --vault-password-file and --vault-id, and commander hands them to
    // the root command: the subcommand sees its own options merged with the root's
    const command = args[args.length - 1] as Command;
    const withGlobals = [...args.slice(0, -2), command.optsWithGlobals(), command] as A;
    try {
      await action(...withGlobals);
    } catch (err) {
      io.stderr(`ERROR! ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  };

  const secretsFor = async (opts: PasswordOptions, purpose: 'decrypt' | 'encrypt'): Promise<VaultPasswords> => {
    const secrets = await resolveVaultPasswords({
      passwordFiles: opts.vaultPasswordFile,
      vaultIds: opts.vaultId,
      env: io.env,
      prompt: false,
      askPassword: io.askPassword,
    });
    if (!secrets.isEmpty) return secrets;
    return VaultPasswords.fromPassword(await askPassword(io, purpose === 'encrypt'), DEFAULT_VAULT_ID, 'prompt');
  };
  /** The password to encrypt with and the vault id to label the result with (none for the default id: format 1.1). */
  const encryptionKey = (secrets: VaultPasswords, vaultId: string | undefined): { password: Buffer; id?: string } => {
    const secret = secrets.forEncryption(vaultId);
    return { password: secret.password, id: vaultId ?? (secret.id === DEFAULT_VAULT_ID ? undefined : secret.id) };
  };
  const encryptWith = (secrets: VaultPasswords, opts: PasswordOptions) => {
    const { password, id } = encryptionKey(secrets, opts.encryptVaultId);
    return (plain: Buffer | string): string => encryptVault(plain, password, id);
  };

  withEncryptVaultId(withPasswords(vault.command('create <file>').description('create a new encrypted file in $EDITOR')))
    .action(
      run(async (file: string, opts: PasswordOptions) => {
        if (existsSync(file)) throw new VaultError(`${file} already exists; use "play vault edit"`);
        const encrypt = encryptWith(await secretsFor(opts, 'encrypt'), opts);
        writeVaultFile(file, encrypt(io.edit(Buffer.alloc(0))));
      }),
    );

  withEncryptVaultId(withOutput(withPasswords(vault.command('encrypt [files...]').description('encrypt files in place (or to --output; "-" is stdin)')), IN_PLACE_OUTPUT))
    .action(
      run(async (files: string[], opts: PasswordOptions) => {
        const encrypt = encryptWith(await secretsFor(opts, 'encrypt'), opts);
        await transformFiles(io, files, opts.output, (plain, name) => {
          if (isVaulted(plain)) throw new VaultError(`${name} is already encrypted`);
          return encrypt(plain);
        });
      }),
    );

  withOutput(withPasswords(vault.command('decrypt [files...]').description('decrypt files in place (or to --output; "-" is stdin)')), IN_PLACE_OUTPUT)
    .action(
      run(async (files: string[], opts: PasswordOptions) => {
        const secrets = await secretsFor(opts, 'decrypt');
        await transformFiles(io, files, opts.output, (text, name) => decryptNamed(text, secrets, name));
      }),
    );

  withPasswords(vault.command('view <files...>').description('print the decrypted contents'))
    .action(
      run(async (files: string[], opts: PasswordOptions) => {
        const secrets = await secretsFor(opts, 'decrypt');
        for (const file of files) io.stdout(decryptNamed(await readInput(io, file), secrets, file));
      }),
    );

  withEncryptVaultId(withPasswords(vault.command('edit <file>').description('edit an encrypted file in $EDITOR')))
    .action(
      run(async (file: string, opts: PasswordOptions) => {
        const secrets = await secretsFor(opts, 'decrypt');
        const text = await readInput(io, file);
        const plain = decryptNamed(text, secrets, file);
        const edited = io.edit(plain);
        if (edited.equals(plain)) return;
        const id = opts.encryptVaultId ?? parseEnvelope(text.toString()).vaultId;
        writeVaultFile(file, encryptWith(secrets, { ...opts, encryptVaultId: id })(edited));
      }),
    );

  withPasswords(vault.command('rekey <files...>').description('re-encrypt files with a new password'))
    .option('--new-vault-password-file <file>', 'the new password file')
    .option('--new-vault-id <label@source>', 'the new vault id and its password source')
    .action(
      run(async (files: string[], opts: PasswordOptions) => {
        const secrets = await secretsFor(opts, 'decrypt');
        const fresh = await resolveVaultPasswords({
          passwordFiles: opts.newVaultPasswordFile ? [opts.newVaultPasswordFile] : [],
          vaultIds: opts.newVaultId ? [opts.newVaultId] : [],
          env: {},
          askPassword: io.askPassword,
        });
        const target = fresh.isEmpty ? VaultPasswords.fromPassword(await askPassword(io, true, 'New vault password')) : fresh;
        const encrypt = encryptWith(target, {});
        // decrypt everything first, so one bad file leaves all of them as they were
        const plains: Buffer[] = [];
        for (const file of files) plains.push(decryptNamed(await readInput(io, file), secrets, file));
        files.forEach((file, i) => writeVaultFile(file, encrypt(plains[i])));
      }),
    );

  withEncryptVaultId(withOutput(withPasswords(vault.command('encrypt_string [strings...]').description('encrypt strings for use as `!vault |` values in YAML')), 'write to this file instead of stdout'))
    .option('-n, --name <name>', 'variable name for each string, in order', collect)
    .option('--stdin-name <name>', 'variable name for the value read from stdin')
    .action(
      run(async (strings: string[], opts: PasswordOptions & { name?: string[]; stdinName?: string }) => {
        const { password, id } = encryptionKey(await secretsFor(opts, 'encrypt'), opts.encryptVaultId);
        const values: Array<[string | undefined, string]> =
          strings.length === 0 || strings.includes(STDIO)
            ? [[opts.stdinName, (await io.stdin()).toString('utf8')]]
            : strings.map((s, i) => [opts.name?.[i], s]);
        if (values.some(([, v]) => v === '')) throw new VaultError('cannot encrypt an empty string');
        const out = values.map(([name, value]) => encryptString(value, name, password, id)).join('');
        if (opts.output && opts.output !== STDIO) writeVaultFile(opts.output, out);
        else io.stdout(out);
      }),
    );
  return vault;
}

function decryptNamed(text: Buffer, secrets: VaultPasswords, name: string): Buffer {
  if (!isVaulted(text)) throw new VaultError(`${name} is not vault-encrypted`);
  try {
    return decryptVault(text, secrets);
  } catch (err) {
    if (err instanceof VaultError) throw new VaultError(`${name}: ${err.message}`);
    throw err;
  }
}

async function readInput(io: VaultCommandIo, file: string): Promise<Buffer> {
  if (file === STDIO) return io.stdin();
  try {
    return readFileSync(file);
  } catch (err) {
    throw new VaultError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads every input and transforms it before writing anything, so a bad file leaves all of them untouched. */
async function transformFiles(
  io: VaultCommandIo,
  files: string[],
  output: string | undefined,
  transform: (data: Buffer, name: string) => Buffer | string,
): Promise<void> {
  const inputs = files.length ? files : [STDIO];
  if (output && inputs.length > 1) throw new VaultError('--output takes a single input file');
  const results: Array<Buffer | string> = [];
  for (const file of inputs) results.push(transform(await readInput(io, file), file === STDIO ? 'stdin' : file));
  inputs.forEach((file, i) => {
    const destination = output ?? file;
    if (destination === STDIO) io.stdout(results[i]);
    else writeVaultFile(destination, results[i]);
  });
}

async function askPassword(io: VaultCommandIo, confirm: boolean, label = 'Vault password'): Promise<string> {
  const password = await io.askPassword(`${label}: `);
  if (!password) throw new VaultError('empty vault password');
  if (confirm && (await io.askPassword(`Confirm ${label.toLowerCase()}: `)) !== password) throw new VaultError('the passwords do not match');
  return password;
}
