import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * An advisory lock between processes on one machine, without native code: a lock file that
 * records its holder. It appears atomically, fully written (link(2) of a staged file fails with
 * EEXIST while held), so a reader never sees a half-written holder and a crash leaves at worst a
 * stray `*.new` staging file, never an empty lock.
 *
 * A lock whose holder is gone (same host name, pid no longer exists) is broken; one held by a
 * live pid, by another host (a shared home directory: its pids mean nothing here) or that is
 * unreadable is waited for, then reported. Breaking is itself exclusive per broken lock: only the
 * process that creates `<lock>.breaking-<nonce of the dead holder>` may remove that holder's
 * lock, and it re-reads the lock under that guard first. Two processes that both saw the same
 * dead holder can therefore never remove a lock a live process has taken since; a guard left by
 * a breaker that died is broken the same way. A dead holder's pid reused by another process only
 * delays: the waiter times out naming the lock file.
 */

const holderSchema = z.object({ pid: z.number().int().positive(), host: z.string(), since: z.string(), nonce: z.string().regex(/^[0-9a-f]+$/) });
type LockHolder = z.infer<typeof holderSchema>;

// A holder keeps the lock for one read, append and fsync; this covers a slow disk under a wide fan-out.
const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

export interface LockOptions {
  timeoutMs?: number;
}

export async function withLockFile<T>(lockPath: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockPath, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  try {
    return await work();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(lockPath)) return;
    const holder = await readHolder(lockPath);
    // Released meanwhile, or a dead holder's lock removed: each such pass is progress, so no spinning.
    if (holder === 'released' || (holder !== 'unreadable' && holderIsGone(holder) && (await breakStale(lockPath, holder)))) continue;
    if (Date.now() >= deadline) throw new Error(timeoutMessage(lockPath, holder, timeoutMs));
    // Jittered so processes that collided once do not keep retrying in lockstep.
    await sleep(Math.min(5 * 2 ** attempt, 100) * (0.5 + Math.random()));
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  const staged = `${lockPath}.${holder.nonce}.new`;
  await fs.writeFile(staged, JSON.stringify(holder), { flag: 'wx', mode: 0o600 });
  try {
    await fs.link(staged, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(staged, { force: true });
  }
}

/** A lock that is not one of ours is unreadable, and never broken. */
async function readHolder(lockPath: string): Promise<LockHolder | 'released' | 'unreadable'> {
  const text = await fs.readFile(lockPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return 'released';
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function holderIsGone(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the pid exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** true when the dead holder's lock is no longer there (removed here, or by another breaker). */
async function breakStale(lockPath: string, stale: LockHolder): Promise<boolean> {
  const guard = `${lockPath}.breaking-${stale.nonce}`;
  if (!(await tryCreate(guard))) {
    const breaker = await readHolder(guard);
    if (typeof breaker === 'object' && holderIsGone(breaker)) await breakStale(guard, breaker);
    return false;
  }
  try {
    const current = await readHolder(lockPath);
    if (typeof current === 'object' && current.nonce === stale.nonce) await fs.rm(lockPath, { force: true });
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

function timeoutMessage(lockPath: string, holder: LockHolder | 'unreadable', timeoutMs: number): string {
  const by = holder === 'unreadable' ? 'its content is not a play lock' : `held by pid ${holder.pid} on ${holder.host} since ${holder.since}`;
  return `could not lock ${lockPath} within ${timeoutMs / 1000}s (${by}); if no such process is still running, remove that file`;
}
