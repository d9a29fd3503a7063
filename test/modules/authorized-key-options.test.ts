import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { editAuthorizedKeys, normalizeKeyOptions } from '../../src/modules/support/authorized-keys';
import type { ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';

/** authorized_key's key_options: sshd options written before the key, idempotent, updated in place. */

const alice = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop';
const bob = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob bob@desk';

describe('normalizeKeyOptions', () => {
  it('keeps sshd options, dropping spaces after commas; quoted values may hold commas, spaces and escaped quotes', () => {
    expect(normalizeKeyOptions('from="10.0.0.0/8",no-agent-forwarding')).toBe('from="10.0.0.0/8",no-agent-forwarding');
    expect(normalizeKeyOptions(' no-pty, command="echo a,b \\"c d\\"" ')).toBe('no-pty,command="echo a,b \\"c d\\""');
    expect(normalizeKeyOptions('')).toBe('');
  });

  it('refuses what sshd would misread', () => {
    for (const bad of ['no pty', 'from="10.0.0.0/8', 'a,,b', 'from=10.0.0.0/8', 'no-pty,']) expect(normalizeKeyOptions(bad)).toBeUndefined();
  });
});

describe('editAuthorizedKeys with key options', () => {
  it('writes the options before the key, replacing the options the key line has', () => {
    expect(editAuthorizedKeys('', `no-pty ${alice}`, 'present', false, 'from="10.0.0.0/8",no-agent-forwarding')).toBe(`from="10.0.0.0/8",no-agent-forwarding ${alice}\n`);
  });

  it('changes the options of an existing key on its own line, leaving the others', () => {
    const before = `${bob}\nno-pty ${alice}\n`;
    expect(editAuthorizedKeys(before, alice, 'present', false, 'from="10.0.0.0/8"')).toBe(`${bob}\nfrom="10.0.0.0/8" ${alice}\n`);
    expect(editAuthorizedKeys(before, alice, 'present', false, '')).toBe(`${bob}\n${alice}\n`);
  });
});

describe('authorized_key key_options on a real file', () => {
  const conn = new LocalConnection();
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'play-authkeys-'));
    path = join(dir, 'authorized_keys');
  });
  afterAll(async () => {
    await conn.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: Record<string, unknown>, check = false): Promise<ModuleResult> =>
    runModule(getModule('authorized_key')!, { user: userInfo().username, path, ...args }, makeContext(conn, { check }));

  it('adds the key with its options, then changes nothing; new options update that line only', async () => {
    await writeFile(path, `${bob}\n`);
    const options = 'from="10.0.0.0/8", no-agent-forwarding';
    expect((await run({ key: alice, key_options: options })).changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(`${bob}\nfrom="10.0.0.0/8",no-agent-forwarding ${alice}\n`);
    expect((await run({ key: alice, key_options: options })).changed).toBe(false);

    expect((await run({ key: alice, key_options: 'no-pty' }, true)).changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(`${bob}\nfrom="10.0.0.0/8",no-agent-forwarding ${alice}\n`);
    expect((await run({ key: alice, key_options: 'no-pty' })).changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(`${bob}\nno-pty ${alice}\n`);
    expect((await run({ key: alice, key_options: 'no-pty' })).changed).toBe(false);
  });

  it('refuses malformed key_options before touching the host', () => {
    const parsed = getModule('authorized_key')!.args.safeParse({ user: 'x', key: alice, key_options: 'from="10.0.0.0/8' });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error)).toContain('key_options must be comma-separated sshd options');
  });
});
