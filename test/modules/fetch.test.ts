import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getModule } from '../../src/modules';
import type { ModuleContext, ModuleResult } from '../../src/modules/module';
import { createConnectionPool, type Connection, type ConnectionPool } from '../../src/transport';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';
import { makeContext, runModule } from './context';

/*
 * fetch against a real sshd behind a bastion, logged in as an unprivileged user that becomes root:
 * the "host" shares this machine's filesystem, so its files are made directly on disk, in a directory
 * only root can read, and what lands on the controller is read back from disk.
 */

let lab: SshdLab;
let pool: ConnectionPool;
let conn: Connection;
let hostDir: string;
let controller: string;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 1, withUser: true });
  const config = lab.writeFile(
    'ssh_config.fetch',
    `Host bastion\n  HostName ${lab.bastion.address}\n  User root\n\n${lab.hostBlocks()}\nHost t01\n  ProxyJump bastion\n\nHost *\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.fetch\n`,
  );
  pool = createConnectionPool({ sshConfigFile: config, agentSocket: null, connectAttempts: 1 });
  conn = await pool.connect({ name: 't01', user: lab.user });
  // Visible to the login user (its files are root's 0600), so "not readable" is told apart from "absent".
  hostDir = mkdtempSync(path.join(tmpdir(), 'fetch-host-'));
  chmodSync(hostDir, 0o755);
  controller = path.join(lab.dir, 'controller');
}, 60000);

afterAll(async () => {
  await pool?.closeAll();
  await lab?.teardown();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

function fetch(args: Record<string, unknown>, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  const module = getModule('fetch');
  if (!module) throw new Error('no fetch module');
  return runModule(module, args, makeContext(conn, { become: true, vars: { playbook_dir: controller }, ...overrides }));
}

/** A root-only file on the host (the dumps are postgres-only: only become can read them). */
function hostFile(name: string, content: Buffer): string {
  const file = path.join(hostDir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

describe('fetch', () => {
  const dump = randomBytes(3 * 1024 * 1024 + 17); // binary, several SSH windows long
  let src: string;
  beforeAll(() => {
    src = hostFile('bookshelf-20261206T220000Z.dump', dump);
  });

  test('check mode predicts the copy and writes nothing', async () => {
    const result = await fetch({ src, dest: 'backups' }, { check: true });
    expect(result).toMatchObject({ changed: true, file: src });
    expect(existsSync(controller)).toBe(false);
  });

  test('copies a become-only binary file to dest/<host>/<src path>, private, byte for byte', async () => {
    const result = await fetch({ src, dest: 'backups' });
    const local = path.join(controller, 'backups', 't01', src);
    expect(result).toMatchObject({ changed: true, dest: local, file: src });
    expect(result.checksum).toBe(result.remote_checksum);
    expect(readFileSync(local).equals(dump)).toBe(true);
    expect(statSync(local).mode & 0o777).toBe(0o600);
    // Atomic: nothing but the file itself is left in its directory.
    expect(readdirSync(path.dirname(local))).toEqual([path.basename(src)]);
  });

  test('a second fetch of the same file is ok, without reading it again', async () => {
    const local = path.join(controller, 'backups', 't01', src);
    const before = statSync(local).mtimeMs;
    expect(await fetch({ src, dest: 'backups' })).toMatchObject({ changed: false });
    expect(statSync(local).mtimeMs).toBe(before);
  });

  test('a local copy that differs is replaced, keeping its mode', async () => {
    const local = path.join(controller, 'backups', 't01', src);
    writeFileSync(local, 'stale');
    chmodSync(local, 0o640);
    expect(await fetch({ src, dest: 'backups' })).toMatchObject({ changed: true });
    expect(readFileSync(local).equals(dump)).toBe(true);
    expect(statSync(local).mode & 0o777).toBe(0o640);
  });

  test('flat: dest is the file, or a directory ending in / that gets the file by its name', async () => {
    const file = path.join(controller, 'flat', 'latest.dump');
    expect(await fetch({ src, dest: file, flat: true })).toMatchObject({ changed: true, dest: file });
    expect(readFileSync(file).equals(dump)).toBe(true);
    const dir = path.join(controller, 'flat-dir');
    expect(await fetch({ src, dest: `${dir}/`, flat: true })).toMatchObject({ changed: true, dest: path.join(dir, path.basename(src)) });
  });

  test('a missing file fails, unless fail_on_missing is false', async () => {
    const missing = path.join(hostDir, 'nothing-here.dump');
    await expect(fetch({ src: missing, dest: 'backups' })).rejects.toThrow(`fetch: the remote file ${missing} does not exist on t01`);
    expect(await fetch({ src: missing, dest: 'backups', fail_on_missing: false })).toMatchObject({ changed: false });
  });

  test('a directory and an unreadable file (no become) are refused by name', async () => {
    await expect(fetch({ src: hostDir, dest: 'backups' })).rejects.toThrow(`${hostDir} on t01 is a directory`);
    const other = hostFile('other.dump', Buffer.from('x'));
    await expect(fetch({ src: other, dest: 'backups' }, { become: false })).rejects.toThrow(/not readable/);
  });

  test('a src that climbs out of dest/<host> is refused before anything is read', async () => {
    await expect(fetch({ src: '/../../../etc/passwd', dest: 'backups' })).rejects.toThrow(/would be written outside/);
  });

  test('a file that changes between the probe and the read fails the checksum and writes nothing', async () => {
    const changing = hostFile('changing.dump', Buffer.from('first version'));
    const racing: Connection = {
      host: conn.host,
      run: (command, options) => conn.run(command, options),
      putFile: (p, content, options) => conn.putFile(p, content, options),
      // The host's file is rewritten after the probe saw it, as a dump still being written would be.
      readFile: async (p, options) => {
        writeFileSync(changing, 'second version, longer');
        return conn.readFile(p, options);
      },
      close: () => conn.close(),
    };
    await expect(fetch({ src: changing, dest: 'race' }, { conn: racing })).rejects.toThrow(/changed while it was being fetched/);
    expect(existsSync(path.join(controller, 'race'))).toBe(false);
    rmSync(changing);
  });
});
