import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMentioning, treeCpuSeconds } from '../../bench/lib/process-tree';

/*
 * The fleet bench's CPU accounting, against GNU time's exact figure for the same work: a shell
 * loop's CPU counts in the tree it ran in once it has ended, and a process that left the tree
 * (re-parented to init) is found by its command line.
 */

const scratch = mkdtempSync(path.join(tmpdir(), 'pb-cpu-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** A busy loop of about 0.2 s, under GNU time, which writes its user and system seconds to `file`. */
const timedLoop = (file: string) => `/usr/bin/time -f '%U %S' -o ${file} sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'`;
const timeSeconds = (file: string) => readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number).reduce((a, b) => a + b, 0);

async function waitFor(file: string): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 50) {
    if (waited > 30_000) throw new Error(`${file} never appeared`);
    await sleep(50);
  }
}

test('a tree counts the CPU of its descendants that already ended', async () => {
  const usage = path.join(scratch, 'reaped');
  const done = path.join(scratch, 'reaped.done');
  // The loop ends and is reaped; the shell above it lives on, as an sshd listener does.
  const shell = spawn('sh', ['-c', `${timedLoop(usage)}; touch ${done}; sleep 30`], { stdio: 'ignore' });
  started.push(shell);
  await waitFor(done);
  const loop = timeSeconds(usage);
  expect(loop).toBeGreaterThan(0.05);
  const tree = treeCpuSeconds([shell.pid!]);
  // At least the loop; at most the loop plus what the shell, time and touch cost themselves.
  expect(tree).toBeGreaterThanOrEqual(loop);
  expect(tree).toBeLessThan(loop + 0.1);
});

test('a process that detached from its tree is found by its command line, and its CPU with it', async () => {
  const marker = `pb-detached-${process.pid}`;
  const usage = path.join(scratch, 'detached');
  const done = path.join(scratch, 'detached.done');
  // The outer shell exits at once: its background child is re-parented away, as ssh's ControlPersist master is.
  const outer = spawn('sh', ['-c', `sh -c '${timedLoop(usage).replace(/'/g, `'"'"'`)}; touch ${done}; sleep 30; :' ${marker} &`], { stdio: 'ignore' });
  started.push(outer);
  await new Promise((resolve) => outer.once('exit', resolve));
  await waitFor(done);
  expect(treeCpuSeconds([outer.pid!])).toBe(0);
  const detached = processesMentioning(marker);
  expect(detached).toHaveLength(1);
  try {
    const loop = timeSeconds(usage);
    const tree = treeCpuSeconds(detached);
    expect(tree).toBeGreaterThanOrEqual(loop);
    expect(tree).toBeLessThan(loop + 0.1);
  } finally {
    process.kill(detached[0], 'SIGKILL');
  }
});
