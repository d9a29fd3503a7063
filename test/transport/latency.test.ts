import { createConnectionPool, type Connection } from '../../src/transport';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/**
 * Back-to-back commands on one connection must not wait for the server's delayed ACK. With Nagle
 * on the controller's TCP socket, the channel CLOSE that ends one command is a small segment the
 * server never answers, so the next command's CHANNEL_OPEN was held until the server's delayed ACK
 * fired (40 ms minimum on Linux): every command cost >= 40 ms instead of a few.
 *
 * Behind a bastion the other side matters too: sshd keeps Nagle on a connection until a session on it
 * starts a command, and play only forwards through the bastion. A command that printed something
 * then had its exit status held back by the bastion until the controller's delayed ACK: 40+ ms again,
 * unless play starts one command on the bastion first (jump-nodelay.ts).
 */

const RUNS = 20;
/** Well under Linux's 40 ms delayed-ACK minimum, well over a healthy exec here (~2 ms, ~7 ms with sudo). */
const MEDIAN_LIMIT_MS = 25;

let lab: SshdLab;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  // A login user with /bin/sh and an empty home: root's dotfiles on a developer machine (pyenv init...) would dominate the timing.
  lab = await startSshdLab({ targets: 1, withUser: true });
}, 60000);

afterAll(async () => {
  await lab?.teardown();
});

async function medianRunMs(conn: Connection, become: boolean, command = 'true'): Promise<number> {
  await conn.run(command, { become });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const result = await conn.run(command, { become });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    expect(result.exitCode).toBe(0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

test('sequential commands, with and without become, with and without output, direct and behind the bastion: none stalls on a delayed ACK', async () => {
  const config = lab.writeFile(
    'ssh_config.latency',
    `${lab.hostBlocks()}\nHost ${lab.targets[0].name}\n  ProxyJump bastion\n\nHost bastion\n  HostName ${lab.bastion.address}\n\nHost *\n  User ${lab.user}\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.latency\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 5\n`,
  );
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  try {
    const bastion = await pool.connect({ name: 'bastion', vars: {} });
    const target = await pool.connect({ name: lab.targets[0].name, vars: {} });
    const medians = {
      plain: await medianRunMs(bastion, false),
      become: await medianRunMs(bastion, true),
      output: await medianRunMs(bastion, false, 'echo output'),
      'behind the bastion': await medianRunMs(target, false),
      'behind the bastion, with output': await medianRunMs(target, false, 'echo output'),
      'behind the bastion, become, with output': await medianRunMs(target, true, 'id -u'),
    };
    for (const [mode, median] of Object.entries(medians)) expect({ mode, median, stalled: median >= MEDIAN_LIMIT_MS }).toEqual({ mode, median, stalled: false });
  } finally {
    await pool.closeAll();
  }
}, 60000);
