import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { processesInCgroupTree, removeCgroupTree, systemdHierarchies } from '../../src/lab/host-cgroup';

/*
 * Real cgroups, as a lab host has them: the same processes in a group of every hierarchy systemd
 * uses (name=systemd and unified on a hybrid machine), with nested groups below, as a guest's
 * systemd makes (payload/init.scope).
 */
const PARENT = `play-lab-test-${process.pid}`;
const groups = () => systemdHierarchies().map((hierarchy) => path.join(hierarchy, PARENT, 'host'));

/** A shell that keeps forking short-lived children, started inside `leaf` of every hierarchy. */
function forkingShellIn(leafs: string[]): number {
  const enter = leafs.map((leaf) => `echo $$ > ${leaf}/cgroup.procs`).join(' && ');
  const child = spawn('sh', ['-c', `${enter} && while :; do sleep 0.05 & sh -c 'sleep 30' & wait -n; done`], { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid!;
}

afterEach(async () => {
  for (const dir of groups()) await removeCgroupTree(dir);
});

// cgroup.kill does the killing when the unified group goes first; by pid when the v1 one does.
test.each([['unified', (dirs: string[]) => [...dirs].reverse()], ['name=systemd', (dirs: string[]) => dirs]])('removes a tree whose processes keep forking, in every hierarchy, with its parent (%s first); nothing of it is left running', async (_first, order) => {
  const leafs = groups().map((dir) => path.join(dir, 'payload', 'init.scope'));
  for (const leaf of leafs) mkdirSync(leaf, { recursive: true });
  const shell = forkingShellIn(leafs);
  const inside = () => groups().flatMap(processesInCgroupTree);
  for (let i = 0; i < 50 && inside().length < 3; i += 1) await new Promise((r) => setTimeout(r, 100));
  expect(inside()).toContain(shell);
  const before = new Set(inside());

  for (const dir of order(groups())) await removeCgroupTree(dir);

  expect(groups().map((dir) => path.dirname(dir)).filter(existsSync)).toEqual([]);
  const alive = [...before].filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
  expect(alive).toEqual([]);
});

test('a tree already gone, or removed twice, is no error', async () => {
  for (const dir of groups()) mkdirSync(dir, { recursive: true });
  for (const dir of groups()) await removeCgroupTree(dir);
  for (const dir of groups()) await removeCgroupTree(dir);
  expect(groups().filter(existsSync)).toEqual([]);
});
