import { dirname } from 'node:path';
import { z } from 'zod';
import { ModuleFailure, type FileDiff, type ModuleContext, type ModuleDefinition } from './module';
import { applyAttributesCommand, attributesToChange, hasAttributes } from './commands/attributes';
import { fileProbesCommand, parseFileProbes, type FileProbe } from './commands/file-probe';
import {
  generateKeyPairCommand,
  listKeyCommand,
  matchingPublicKeyCommand,
  parseKeyList,
  parsePublicKey,
  removeKeyPairCommand,
  updateCommentCommand,
  type PrivateKeyInfo,
  type PublicKeyInfo,
} from './commands/openssh-keypair';
import { becomeOptions, run, runOk } from './support/host';
import { fileMode } from './support/mode';

const KEY_TYPES = ['rsa', 'dsa', 'rsa1', 'ecdsa', 'ed25519'] as const;
type KeyType = (typeof KEY_TYPES)[number];

const args = z
  .object({
    path: z.string().min(1),
    state: z.enum(['present', 'absent']).default('present'),
    type: z.enum(KEY_TYPES).default('rsa'),
    size: z.number().int().optional(),
    comment: z.string().optional(),
    force: z.boolean().default(false),
    regenerate: z.enum(['never', 'fail', 'partial_idempotence', 'full_idempotence', 'always']).default('partial_idempotence'),
    /** Ansible's cryptography backend only: refused below, so its value is never used. */
    passphrase: z.string().optional(),
    private_key_format: z.enum(['auto', 'pkcs1', 'pkcs8', 'ssh']).default('auto'),
    backend: z.enum(['auto', 'cryptography', 'opensshbin']).default('auto'),
    owner: z.string().optional(),
    group: z.string().optional(),
    mode: fileMode.optional(),
  })
  .strict()
  .superRefine((a, issue) => {
    const refuse = (path: string, message: string) => issue.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    // Ansible hands a passphrase to its cryptography backend (python's cryptography on the host); ssh-keygen
    // would need it on its command line, where the host's other users could read it
    if (a.passphrase !== undefined) refuse('passphrase', 'is not supported by play (keys are made by ssh-keygen, which would need it on its command line)');
    if (a.backend === 'cryptography') refuse('backend', "cryptography is not supported by play (keys are made by ssh-keygen: use 'auto' or 'opensshbin')");
    if (a.private_key_format !== 'auto') refuse('private_key_format', "'auto' is the only valid option for 'private_key_format' when 'backend' is not 'cryptography'");
    const size = keySize(a.type, a.size);
    if (typeof size === 'string') refuse('size', size);
  });

type Args = z.infer<typeof args>;

/** The size the module uses for a type (its defaults), or why the given one is refused (its messages). */
function keySize(type: KeyType, size: number | undefined): number | string {
  switch (type) {
    case 'rsa':
    case 'rsa1': {
      const bits = size ?? 4096;
      return bits >= 1024
        ? bits
        : 'For RSA keys, the minimum size is 1024 bits and the default is 4096 bits. Attempting to use bit lengths under 1024 will cause the module to fail.';
    }
    case 'dsa':
      return (size ?? 1024) === 1024 ? 1024 : 'DSA keys must be exactly 1024 bits as specified by FIPS 186-2.';
    case 'ecdsa': {
      const bits = size ?? 256;
      return [256, 384, 521].includes(bits)
        ? bits
        : 'For ECDSA keys, size determines the key length by selecting from one of three elliptic curve sizes: 256, 384 or 521 bits. ' +
            'Attempting to use bit lengths other than these three values for ECDSA keys will cause this module to fail.';
    }
    case 'ed25519':
      return 256;
  }
}

interface KeyState {
  dir: FileProbe;
  privateFile: FileProbe;
  publicFile: FileProbe;
  privateKey?: PrivateKeyInfo;
  publicKey?: PublicKeyInfo;
}

/** What the module loads: the files, the private key as `ssh-keygen -l` reads it, the .pub as written. */
async function loadKeys(ctx: ModuleContext, path: string): Promise<KeyState> {
  const probes = await runOk(ctx, fileProbesCommand([dirname(path), path, `${path}.pub`], { follow: true }), `probing ${path}`);
  const [dir, privateFile, publicFile] = parseFileProbes(probes.stdout, 3);
  const state: KeyState = { dir, privateFile, publicFile };
  if (privateFile.exists) {
    const list = await run(ctx, listKeyCommand(path));
    state.privateKey = list.exitCode === 0 ? parseKeyList(list.stdout) : undefined;
  }
  if (publicFile.exists) {
    const content = await ctx.conn.readFile(`${path}.pub`, becomeOptions(ctx));
    state.publicKey = content === null ? undefined : parsePublicKey(content.toString('utf8'), 'file');
  }
  return state;
}

/**
 * community.crypto.openssh_keypair with ssh-keygen (its `opensshbin` backend, which it picks
 * whenever no passphrase is given): a key is made when there is none, and, by `regenerate`,
 * when the one there has another type or size; a .pub that does not match the key, or has
 * another `comment`, is rewritten; owner/group/mode apply to both files. The results are the
 * module's (filename, fingerprint, public_key, type, size, comment), and --diff shows its
 * before/after of the key's properties.
 */
export const openssh_keypair: ModuleDefinition<Args> = {
  name: 'openssh_keypair',
  args,
  async run(a, ctx) {
    const size = keySize(a.type, a.size) as number;
    const regenerate = a.force ? 'always' : a.regenerate;
    const path = a.path;
    const original = await loadKeys(ctx, path);
    const dir = dirname(path);
    if (original.dir.type !== 'directory') throw new ModuleFailure(`The directory ${dir} does not exist or the file is not a directory`, { name: dir });
    if (original.privateFile.type === 'directory') throw new ModuleFailure(`${path} is a directory. Please specify a path to a file.`);

    let changed = false;
    let current = original;
    if (a.state === 'absent') {
      if (original.privateFile.exists || original.publicFile.exists) {
        changed = true;
        if (!ctx.check) await runOk(ctx, removeKeyPairCommand(path), `removing ${path}`);
      }
    } else {
      const matching = original.privateKey ? await run(ctx, matchingPublicKeyCommand(path)) : undefined;
      const readable =
        matching !== undefined &&
        !(matching.exitCode === 255 || ['is not a public key file', 'incorrect passphrase', 'load failed'].some((s) => matching.stderr.includes(s)));
      if (original.privateFile.exists && ['never', 'fail', 'partial_idempotence'].includes(regenerate) && !readable) {
        throw new ModuleFailure(
          'Unable to read the key. The key is protected with a passphrase or broken. Will not proceed. To force regeneration, call the module with ' +
            '`generate` set to `full_idempotence` or `always`, or with `force=true`.',
        );
      }
      const valid = original.privateKey?.size === size && original.privateKey.type === a.type;
      if (shouldGenerate(regenerate, original.privateKey !== undefined, valid)) {
        changed = true;
        if (!ctx.check) await runOk(ctx, generateKeyPairCommand({ path, type: a.type, size, comment: a.comment }), `generating ${path}`);
      } else if (!publicKeyValid(original.publicKey, matching?.stdout, a.comment)) {
        changed = true;
        if (!ctx.check) await restorePublicKey(ctx, path, matching?.stdout ?? '', original.publicFile, a.comment);
      }
      if (!ctx.check && changed) current = await loadKeys(ctx, path);
      const files: Array<[string, FileProbe]> = [[path, current.privateFile], [`${path}.pub`, current.publicFile]];
      for (const [file, probe] of files) changed = (await ensureAttributes(ctx, file, probe, a)) || changed;
    }

    const privateKey = current.privateKey ?? original.privateKey;
    const publicKey = current.publicKey ?? original.publicKey;
    return {
      changed,
      size,
      type: a.type,
      filename: path,
      fingerprint: privateKey?.fingerprint ?? '',
      public_key: publicKey ? `${publicKey.typeString} ${publicKey.data}` : '',
      comment: publicKey?.comment ?? '',
      ...(ctx.diff && changed ? { diff: [keyDiff(path, original, a.state === 'absent' ? undefined : current)] } : {}),
    };
  },
};

function shouldGenerate(regenerate: string, loaded: boolean, valid: boolean): boolean {
  if (!loaded) return true;
  switch (regenerate) {
    case 'never':
      return false;
    case 'fail':
      if (!valid) {
        throw new ModuleFailure(
          'Key has wrong type and/or size. Will not proceed. To force regeneration, call the module with `generate` set to ' +
            '`partial_idempotence`, `full_idempotence` or `always`, or with `force=true`.',
        );
      }
      return false;
    case 'partial_idempotence':
    case 'full_idempotence':
      return !valid;
    default:
      return true;
  }
}

/** The .pub matches the private key; its comment counts only when the task gives one. */
function publicKeyValid(file: PublicKeyInfo | undefined, matchingOutput: string | undefined, comment: string | undefined): boolean {
  const expected = matchingOutput === undefined ? undefined : parsePublicKey(matchingOutput, 'output');
  if (!file || !expected) return false;
  return file.typeString === expected.typeString && file.data === expected.data && (comment === undefined || file.comment === comment);
}

/** The .pub rewritten from the private key (its mode kept, 0644 when new), then the comment set by ssh-keygen, as the module does. */
async function restorePublicKey(ctx: ModuleContext, path: string, matchingOutput: string, publicFile: FileProbe, comment: string | undefined): Promise<void> {
  const key = parsePublicKey(matchingOutput, 'output');
  if (!key) throw new ModuleFailure('The public key is missing or does not match the private key. Unable to regenerate the public key.');
  await ctx.conn.putFile(`${path}.pub`, `${key.typeString} ${key.data}\n`, { ...becomeOptions(ctx), ...(publicFile.exists ? {} : { mode: '0644' }) });
  if (comment) await runOk(ctx, updateCommentCommand(path, comment), `setting the comment of ${path}`);
}

/** owner/group/mode of one key file; a file check mode did not make counts as a change. */
async function ensureAttributes(ctx: ModuleContext, path: string, probe: FileProbe, a: Args): Promise<boolean> {
  const wanted = { owner: a.owner, group: a.group, mode: a.mode };
  if (!hasAttributes(wanted)) return false;
  if (!probe.exists) return ctx.check;
  const change = attributesToChange(probe, wanted);
  if (!hasAttributes(change)) return false;
  if (!ctx.check) await runOk(ctx, applyAttributesCommand(path, change), `setting owner/mode of ${path}`);
  return true;
}

/** The module's diff: the key's properties before and after, as Ansible prints a dict diff (sorted JSON). */
function keyDiff(path: string, before: KeyState, after: KeyState | undefined): FileDiff {
  const properties = (state: KeyState | undefined) => ({
    ...(state?.privateKey ? { ...state.privateKey, format: '' } : {}),
    ...(state?.publicKey ? { comment: state.publicKey.comment, public_key: state.publicKey.data } : {}),
  });
  const text = (value: Record<string, unknown>) => `${JSON.stringify(Object.fromEntries(Object.entries(value).sort(([x], [y]) => x.localeCompare(y))), null, 4)}\n`;
  return { path, before: text(properties(before)), after: text(properties(after)) };
}
