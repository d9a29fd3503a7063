import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LocalConnection } from '../../src/transport';
import type { ExecRequest, ExecResult } from '../../src/transport/shell-connection';
import { getModule } from '../../src/modules';
import type { ModuleContext, ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';

/**
 * `user` password hashes for real: a throwaway account on this machine (the tests run as root),
 * its /etc/shadow read back after every step. The account is removed afterwards, even on failure.
 */

// `openssl passwd -6 -salt playtest1 correct-horse` and `... -salt playtest2 battery-staple`
const HASH1 = '$6$playtest1$aKPKxDydXHNXvUcSiJr5g9I1wnYafSurgCCDNtg8kgskKuFxIxmvqysIf/3os8zRQThjg.iZdeaq33v8Pktuz.';
const HASH2 = '$6$playtest2$GGkaqo/yT9l0JDlKZFogD6lWdFZ0fmpenK0.LwRj8Mi7I1tQabLVYc4DiYDTeQ5HnhqXcyEI4ojtqfrKVKBv5.';
const USER = `playpw${process.pid}`;

/** The controller's shell, recording every command line and stdin it is given. */
class RecordingConnection extends LocalConnection {
  readonly requests: ExecRequest[] = [];

  protected exec(request: ExecRequest): Promise<ExecResult> {
    this.requests.push(request);
    return super.exec(request);
  }
}

const conn = new RecordingConnection();
const user = getModule('user');
if (!user) throw new Error('no user module');

function removeUser(): void {
  execFileSync('sh', ['-c', `getent passwd ${USER} >/dev/null || exit 0; userdel -r ${USER} 2>/dev/null || userdel ${USER}`]);
}

beforeAll(removeUser);
afterAll(removeUser);

function run(args: Record<string, unknown>, overrides: Partial<ModuleContext> = {}): Promise<ModuleResult> {
  return runModule(user!, { name: USER, ...args }, makeContext(conn, overrides));
}

function shadowField(): string | undefined {
  const line = readFileSync('/etc/shadow', 'utf8').split('\n').find((l) => l.startsWith(`${USER}:`));
  return line?.split(':')[1];
}

/** Runs the module and checks the hash went on stdin only and is nowhere in the result; returns the round trips made. */
async function converge(args: Record<string, unknown>, overrides: Partial<ModuleContext> = {}): Promise<{ result: ModuleResult; roundTrips: number }> {
  conn.requests.length = 0;
  const result = await run(args, overrides);
  for (const hash of [HASH1, HASH2]) {
    expect(JSON.stringify(result)).not.toContain(hash.slice(3));
    for (const request of conn.requests) expect(request.command).not.toContain(hash.slice(3));
  }
  return { result, roundTrips: conn.requests.length };
}

describe('user password (a throwaway account on this machine)', () => {
  it('refuses clear text without repeating it, and validates update_password', () => {
    const parsed = user.args.safeParse({ name: USER, password: 'hunter2-clear' });
    expect(parsed.success).toBe(false);
    const message = JSON.stringify(parsed.error?.issues);
    expect(message).toMatch(/crypt\(3\) hash/);
    expect(message).not.toContain('hunter2');
    expect(user.args.safeParse({ name: USER, password: 'rounds$6$x' }).success).toBe(false);
    expect(user.args.safeParse({ name: USER, password: HASH1, update_password: 'sometimes' }).success).toBe(false);
    for (const ok of [HASH1, `!${HASH1}`, '$y$j9T$F5Jx5fExrKuJdvl.$xyz', '$2b$10$abc', '*', '!']) {
      expect({ ok, success: user.args.safeParse({ name: USER, password: ok }).success }).toEqual({ ok, success: true });
    }
  });

  it('creates the user with the hash; check mode, idempotence, on_create and always', async () => {
    const predicted = await converge({ password: HASH1 }, { check: true });
    expect(predicted.result.changed).toBe(true);
    expect(shadowField()).toBeUndefined();

    const created = await converge({ password: HASH1, shell: '/bin/sh' });
    expect(created.result).toMatchObject({ changed: true, password: 'NOT_LOGGING_PASSWORD' });
    expect(created.roundTrips).toBe(2);
    expect(shadowField()).toBe(HASH1);

    const again = await converge({ password: HASH1, shell: '/bin/sh' });
    expect(again.result.changed).toBe(false);
    expect(again.roundTrips).toBe(1);

    expect((await converge({ password: HASH2, update_password: 'on_create' })).result.changed).toBe(false);
    expect(shadowField()).toBe(HASH1);

    expect((await converge({ password: HASH2 }, { check: true })).result.changed).toBe(true);
    expect(shadowField()).toBe(HASH1);

    const changed = await converge({ password: HASH2 });
    expect(changed.result.changed).toBe(true);
    expect(changed.roundTrips).toBe(2);
    expect(shadowField()).toBe(HASH2);
    expect((await converge({ password: HASH2 })).result.changed).toBe(false);
  });

  it('password_lock with a password locks and unlocks that hash; alone it keeps using usermod', async () => {
    expect((await converge({ password: HASH2, password_lock: true })).result.changed).toBe(true);
    expect(shadowField()).toBe(`!${HASH2}`);
    expect((await converge({ password: HASH2, password_lock: true })).result.changed).toBe(false);
    // the hash given already locked, asked unlocked: the lock is password_lock's to decide
    expect((await converge({ password: `!${HASH2}`, password_lock: false })).result.changed).toBe(true);
    expect(shadowField()).toBe(HASH2);
    expect((await converge({ password_lock: true })).result.changed).toBe(true);
    expect(shadowField()).toBe(`!${HASH2}`);
    expect((await converge({ password_lock: false })).result.changed).toBe(true);
    expect(shadowField()).toBe(HASH2);
  });

  it('without the right to read /etc/shadow the password cannot be compared: one clear error', async () => {
    await expect(converge({ password: HASH1 }, { become: true, becomeUser: 'nobody' })).rejects.toThrow(
      new RegExp(`user ${USER}: cannot read /etc/shadow on localhost to compare the password \\(the task needs become\\)`),
    );
    // on_create for an existing user does not need the shadow file
    expect((await converge({ password: HASH1, update_password: 'on_create' }, { become: true, becomeUser: 'nobody' })).result.changed).toBe(false);
    expect(shadowField()).toBe(HASH2);
  });

  it('state: absent ignores the password and removes the user', async () => {
    expect((await converge({ state: 'absent', password: HASH1, remove: true })).result.changed).toBe(true);
    expect(shadowField()).toBeUndefined();
  });
});
