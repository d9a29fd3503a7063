import { spawn } from 'node:child_process';
import path from 'node:path';
import { labDown, labUp } from '../../src/lab';
import { labLayout } from '../../src/lab/layout';
import { readState } from '../../src/lab/state';
import { labLeftovers } from '../support/lab-leftovers';
import { waitUntil } from '../support/lab-ssh';
import { synthStackFile } from '../support/stack-file';

const NAME = 'test-kill';
const layout = labLayout(NAME);
const stack = synthStackFile('staging');

afterAll(async () => {
  await labDown({ name: NAME });
  stack.cleanup();
}, 120_000);

test('a killed up leaves a lab that up refuses (saying how to clean) and down removes completely', async () => {
  await labDown({ name: NAME });
  const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), path.join(__dirname, '../support/lab-up-child.ts'), NAME, stack.file], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Kill it once hosts are booting: processes, mounts, namespaces, links and the route all exist.
  await waitUntil('the killed up to start its hosts', 300_000, async () => {
    const state = await readState(layout.stateDir).catch(() => undefined);
    return (state?.resources.filter((r) => r.kind === 'process').length ?? 0) >= 2 ? true : undefined;
  });
  child.kill('SIGKILL');
  await exited;

  const leftovers = labLeftovers(layout);
  for (const kind of ['netns', 'link', 'route', 'mount', 'process', 'cgroup']) expect(leftovers.some((l) => l.startsWith(kind))).toBe(true);
  await expect(labUp({ name: NAME, stack: stack.file })).rejects.toThrow(`remove it with \`play lab down --name ${NAME}\``);
  // The refusal touched nothing (guest processes come and go while they boot, so they are left out).
  const settled = (found: string[]): string[] => found.filter((l) => !l.startsWith('process'));
  expect(settled(labLeftovers(layout))).toEqual(settled(leftovers));

  await labDown({ name: NAME });
  expect(labLeftovers(layout)).toEqual([]);
}, 400_000);
