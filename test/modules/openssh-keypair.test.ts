import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModule } from '../../src/modules';
import { parseKeyList, parsePublicKey } from '../../src/modules/commands/openssh-keypair';
import { LocalConnection } from '../../src/transport';
import { ansibleResults } from './ansible-oracle';
import { makeContext, runModule } from './context';

/**
 * openssh_keypair run by play and by ansible-core (community.crypto, ssh-keygen backend) on
 * copies of the same key files: the same results, files and modes. A newly made key is random,
 * so there the shape is compared (type, size, comment, modes) and the key is checked to be what
 * `ssh-keygen -l` reads.
 */
const conn = new LocalConnection();
const keypair = getModule('community.crypto.openssh_keypair');
let dir: string;
const fixture = (name: string) => join(dir, 'fixtures', name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'play-keypair-'));
  mkdirSync(join(dir, 'fixtures'));
  const make = (name: string, type: string, bits: number, comment: string) =>
    execFileSync('ssh-keygen', ['-q', '-N', '', '-t', type, '-b', String(bits), '-C', comment, '-f', fixture(name)]);
  make('ed', 'ed25519', 256, 'orig');
  make('other', 'ed25519', 256, 'other');
  make('rsa1024', 'rsa', 1024, '');
  writeFileSync(fixture('broken'), 'not a key\n', { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Fixture files copied to `key` and `key.pub` first. */
  files?: { key?: string; pub?: string };
  args: Record<string, unknown>;
  /** A new random key is made: compare its shape, not its bytes. */
  fresh?: boolean;
  /** The key's directory does not exist. */
  noDir?: boolean;
  /** ssh-keygen rewrites the private key (a new comment), with new random check bytes: compare what it holds. */
  rewritesKey?: boolean;
}

const CASES: Case[] = [
  { name: 'makes a new key', args: { type: 'ed25519' }, fresh: true },
  { name: 'makes a new rsa key with a comment', args: { size: 2048, comment: 'made here' }, fresh: true },
  { name: 'keeps a valid key', files: { key: 'ed', pub: 'ed.pub' }, args: { type: 'ed25519' } },
  { name: 'restores a missing .pub', files: { key: 'ed' }, args: { type: 'ed25519' } },
  { name: 'sets a new comment', files: { key: 'ed', pub: 'ed.pub' }, args: { type: 'ed25519', comment: 'new one' }, rewritesKey: true },
  { name: 'replaces a .pub of another key', files: { key: 'ed', pub: 'other.pub' }, args: { type: 'ed25519' } },
  { name: 'regenerates a key of another size', files: { key: 'rsa1024', pub: 'rsa1024.pub' }, args: { type: 'rsa', size: 2048 }, fresh: true },
  { name: 'regenerate: fail refuses it', files: { key: 'rsa1024', pub: 'rsa1024.pub' }, args: { type: 'rsa', size: 2048, regenerate: 'fail' } },
  { name: 'regenerate: never keeps it', files: { key: 'rsa1024', pub: 'rsa1024.pub' }, args: { type: 'rsa', size: 2048, regenerate: 'never' } },
  { name: 'sets the mode of both files', files: { key: 'ed', pub: 'ed.pub' }, args: { type: 'ed25519', mode: '0400' } },
  { name: 'removes both files', files: { key: 'ed', pub: 'ed.pub' }, args: { type: 'ed25519', state: 'absent' } },
  { name: 'refuses a broken key', files: { key: 'broken' }, args: { type: 'ed25519' } },
  { name: 'full_idempotence replaces a broken key', files: { key: 'broken' }, args: { type: 'ed25519', regenerate: 'full_idempotence' }, fresh: true },
  { name: 'needs the directory', noDir: true, args: { type: 'ed25519' } },
];

function keyPath(tool: string, i: number, c: Case): string {
  const base = join(dir, tool, String(i));
  mkdirSync(base, { recursive: true });
  const key = c.noDir ? join(base, 'missing', 'key') : join(base, 'key');
  if (c.files?.key) copyFileSync(fixture(c.files.key), key);
  if (c.files?.pub) copyFileSync(fixture(c.files.pub), `${key}.pub`);
  return key;
}

/** What a run left: its result and the two files (a fresh key's bytes replaced by what `ssh-keygen -l` says of it). */
function outcome(result: Record<string, unknown>, key: string, c: Case): Record<string, unknown> {
  const fresh = c.fresh === true;
  if (result.failed) return { failed: true, msg: String(result.msg).replace(/\/(ansible|play)\/(\d+)\//, '/<tool>/$2/') };
  const content = (path: string) =>
    c.rewritesKey && path === key ? execFileSync('ssh-keygen', ['-P', '', '-y', '-f', key], { encoding: 'utf8' }) : readFileSync(path, 'utf8');
  const file = (path: string) => (existsSync(path) ? { mode: (statSync(path).mode & 0o777).toString(8), content: content(path) } : 'absent');
  const shown = { changed: result.changed, size: result.size, type: result.type, comment: result.comment, fingerprint: result.fingerprint, public_key: result.public_key };
  const files = { key: file(key), pub: file(`${key}.pub`) };
  if (!fresh) return { ...shown, filename: (result.filename as string).endsWith('/key'), files };
  const listed = parseKeyList(execFileSync('ssh-keygen', ['-l', '-f', key], { encoding: 'utf8' }));
  const pub = parsePublicKey(readFileSync(`${key}.pub`, 'utf8'), 'file');
  expect(result.fingerprint).toBe(listed?.fingerprint);
  expect(result.public_key).toBe(`${pub?.typeString} ${pub?.data}`);
  return { ...shown, fingerprint: 'new', public_key: pub?.typeString, listed: { size: listed?.size, type: listed?.type }, pubComment: pub?.comment, modes: [typeof files.key === 'string' ? files.key : files.key.mode, typeof files.pub === 'string' ? files.pub : files.pub.mode] };
}

async function byPlay(args: Record<string, unknown>, check = false): Promise<Record<string, unknown>> {
  try {
    return await runModule(keypair!, args, makeContext(conn, { check }));
  } catch (err) {
    return { failed: true, msg: (err as Error).message };
  }
}

describe('openssh_keypair, as community.crypto makes keys with ssh-keygen', () => {
  test('the same results and files as Ansible; check mode predicts it and changes nothing; a second run is ok', async () => {
    const ansibleKeys = CASES.map((c, i) => keyPath('ansible', i, c));
    const reference = ansibleResults(CASES.map((c, i) => ({ name: c.name, 'community.crypto.openssh_keypair': { ...c.args, path: ansibleKeys[i] } })));
    for (const [i, c] of CASES.entries()) {
      const key = keyPath('play', i, c);
      const files = () => [key, `${key}.pub`].map((p) => (existsSync(p) ? readFileSync(p, 'utf8') : 'absent'));
      const before = files();
      const predicted = await byPlay({ ...c.args, path: key }, true);
      expect({ case: c.name, files: files() }).toEqual({ case: c.name, files: before });
      const expected = outcome(reference[i], ansibleKeys[i], c);
      expect({ case: c.name, check: predicted.failed ? 'failed' : predicted.changed }).toEqual({ case: c.name, check: expected.failed ? 'failed' : expected.changed });
      const played = outcome(await byPlay({ ...c.args, path: key }), key, c);
      expect({ case: c.name, ...played }).toEqual({ case: c.name, ...expected });
      if (!played.failed) { const again = await byPlay({ ...c.args, path: key }); expect({ case: c.name, again: again.changed, msg: again.msg }).toEqual({ case: c.name, again: false }); }
      // a key Ansible made or kept is one play keeps too
      if (!played.failed && c.args.state !== 'absent') expect({ case: c.name, onAnsibles: (await byPlay({ ...c.args, path: ansibleKeys[i] })).changed }).toEqual({ case: c.name, onAnsibles: false });
    }
  });

  test('arguments play cannot honour are refused at load time, sizes with the module messages', () => {
    const parse = (args: Record<string, unknown>) => keypair!.args.safeParse({ path: '/tmp/k', ...args });
    expect(parse({ passphrase: 'secret' }).error?.issues[0].message).toMatch(/passphrase.*not supported|not supported/);
    expect(JSON.stringify(parse({ passphrase: 'secret' }).error?.issues)).not.toContain('secret"');
    expect(parse({ private_key_format: 'pkcs8' }).success).toBe(false);
    expect(parse({ backend: 'cryptography' }).success).toBe(false);
    expect(parse({ type: 'dsa', size: 2048 }).error?.issues[0].message).toBe('DSA keys must be exactly 1024 bits as specified by FIPS 186-2.');
    expect(parse({ type: 'rsa', size: 512 }).success).toBe(false);
    expect(parse({ type: 'ecdsa', size: 384 }).success).toBe(true);
    expect(parse({ type: 'ed25519', size: 1 }).success).toBe(true);
  });
});
