import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostCgroups, removeCgroupTrees } from '../../src/lab/host-cgroup';

/*
 * Real cgroups of this machine (the lab's hybrid layout: name=systemd v1 and unified v2). A guest's
 * last process that outlives SIGKILL (in an uninterruptible sleep) is stood in for by a process
 * frozen by the v1 freezer: a frozen task takes SIGKILL only once thawed.
 */
const FREEZER = '/sys/fs/cgroup/freezer';
const id = `cgtest-${process.pid}`;
const groups = hostCgroups(id);
const freezer = path.join(FREEZER, id);
let sleeper: ChildProcess | undefined;
let exited: Promise<unknown> = Promise.resolve();

/** A process in a nested group (as a guest's init.scope) of each of the host's hierarchies. */
function startGuest(): number {
  sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  const child = sleeper;
  exited = new Promise((resolve) => child.once('exit', resolve));
  for (const group of groups) {
    const scope = path.join(group, 'payload', 'init.scope');
    mkdirSync(scope, { recursive: true });
    writeFileSync(path.join(scope, 'cgroup.procs'), `${child.pid}`);
  }
  return child.pid!;
}

afterEach(async () => {
  if (existsSync(freezer)) writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED');
  sleeper?.kill('SIGKILL');
  await exited;
  await removeCgroupTrees(groups, 10_000, () => undefined);
  if (existsSync(freezer)) rmdirSync(freezer);
});

test('a host cgroup tree still holding a guest process is emptied by killing it, then removed in every hierarchy', async () => {
  expect(groups.length).toBeGreaterThan(0);
  startGuest();
  const log: string[] = [];
  expect(await removeCgroupTrees(groups, 60_000, (line) => log.push(line))).toEqual([]);
  await exited;
  expect(sleeper?.signalCode).toBe('SIGKILL');
  for (const group of groups) expect(existsSync(group)).toBe(false);
});

test('a process that outlives SIGKILL is waited for, named in the log, and its groups returned (not thrown); once it dies they go', async () => {
  expect(existsSync(FREEZER)).toBe(true);
  const pid = startGuest();
  mkdirSync(freezer);
  writeFileSync(path.join(freezer, 'cgroup.procs'), `${pid}`);
  writeFileSync(path.join(freezer, 'freezer.state'), 'FROZEN');
  const log: string[] = [];
  expect(await removeCgroupTrees(groups, 6_000, (line) => log.push(line))).toEqual(groups);
  expect(log).toEqual([expect.stringMatching(new RegExp(`^waiting up to 6 s for .*${id}.*: ${pid} sleep \\(.\\)`))]);

  writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED');
  await exited;
  expect(await removeCgroupTrees(groups, 60_000, () => undefined)).toEqual([]);
  for (const group of groups) expect(existsSync(group)).toBe(false);
});
