import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Local commands (`ansible_connection: local`, `delegate_to: localhost`) run in a process group of
 * their own: a terminal Ctrl-C, which signals play's whole foreground group, must not kill them,
 * and play aborting must not leave them running. Runs the built CLI (`npm run build`).
 */
const BIN = resolve(__dirname, '../../bin/play.js');

let project: string;
let out: string;

beforeAll(() => {
  if (!existsSync(resolve(__dirname, '../../dist/cli/main.js'))) throw new Error('run `npm run build` first (npm test does)');
});
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'play-local-signals-'));
  out = join(project, 'out');
  mkdirSync(out);
  mkdirSync(join(project, 'inventory'));
  mkdirSync(join(project, 'playbooks'));
  writeFileSync(join(project, 'play.yml'), 'inventory: inventory\n');
  writeFileSync(join(project, 'inventory/hosts.yml'), 'all:\n  hosts:\n    box: {}\n  vars:\n    ansible_connection: local\n');
  writeFileSync(
    join(project, 'playbooks/slow.yml'),
    [
      '- hosts: box',
      '  gather_facts: false',
      '  tasks:',
      '    - shell: ps -o pgid= -p $$ > {{ out_dir }}/pgid; touch {{ out_dir }}/started; sleep 2; echo finished >> {{ out_dir }}/slow.log',
      '',
    ].join('\n'),
  );
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** Like a terminal: play leads its own foreground group, and Ctrl-C signals that whole group. */
function startSlow() {
  const child = spawn(process.execPath, [BIN, 'slow', '-e', `out_dir=${out}`], { cwd: project, detached: true, stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const ctrlC = () => process.kill(-child.pid!, 'SIGINT');
  const signal = (name: NodeJS.Signals) => process.kill(child.pid!, name);
  return { exited, ctrlC, signal };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(): Promise<number> {
  while (!existsSync(join(out, 'started'))) await sleep(50);
  return Number(readFileSync(join(out, 'pgid'), 'utf8'));
}

/** Any live (non-zombie) process left in the group. */
function groupAlive(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        const [state, , pgrp] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return Number(pgrp) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    });
}

test('a Ctrl-C to play\'s group lets the running local command finish', async () => {
  const run = startSlow();
  await started();
  run.ctrlC();
  expect(await run.exited).toBe(99);
  expect(readFileSync(join(out, 'slow.log'), 'utf8')).toBe('finished\n');
});

test('a second Ctrl-C aborts play and kills the running local command with it', async () => {
  const run = startSlow();
  const pgid = await started();
  run.ctrlC();
  await sleep(100);
  run.ctrlC();
  expect(await run.exited).toBe(99);
  const deadline = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(20);
  expect(groupAlive(pgid)).toBe(false);
  await sleep(2500);
  expect(existsSync(join(out, 'slow.log'))).toBe(false);
});

test.each(['SIGTERM', 'SIGHUP'] as const)('%s to play aborts it and kills the running local command with it', async (name) => {
  const run = startSlow();
  const pgid = await started();
  run.signal(name);
  expect(await run.exited).toBe(99);
  const deadline = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(20);
  expect(groupAlive(pgid)).toBe(false);
});
