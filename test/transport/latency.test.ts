import { createConnectionPool, type Connection } from '../../src/transport';
import { labPrerequisites, startSshdLab, type SshdLab } from '../support/sshd-net';

/**
 * Back-to-back commands on one connection must not wait for the server's delayed ACK. With Nagle
 * on the controller's TCP socket, the channel CLOSE that ends one command is a small segment the
 * server never answers, so the next command's CHANNEL_OPEN was held until the server's delayed ACK
 * fired (40 ms minimum on Linux): every command cost >= 40 ms instead of a few.
 *
 * Measured on the bastion itself: a target behind it additionally depends on the bastion sshd's
 * own socket to the target (OpenSSH does not set TCP_NODELAY there), which play cannot change.
 */

const RUNS = 20;
/** Well under Linux's 40 ms delayed-ACK minimum, well over a healthy exec here (~2 ms, ~7 ms with sudo). */
const MEDIAN_LIMIT_MS = 25;

let lab: SshdLab;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  // A login user with /bin/sh and no home: root's dotfiles on a developer machine (pyenv init...) would dominate the timing.
  lab = await startSshdLab({ targets: 0, withUser: true });
}, 60000);

afterAll(async () => {
  await lab?.teardown();
});

async function medianRunMs(conn: Connection, become: boolean): Promise<number> {
  await conn.run('true', { become });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const result = await conn.run('true', { become });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    expect(result.exitCode).toBe(0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

test('sequential commands, with and without become, do not stall on the server’s delayed ACK', async () => {
  const config = lab.writeFile(
    'ssh_config.latency',
    `Host bastion\n  HostName ${lab.bastion.address}\n  User ${lab.user}\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.latency\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 5\n`,
  );
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  try {
    const conn = await pool.connect({ name: 'bastion', vars: {} });
    const medians = { plain: await medianRunMs(conn, false), become: await medianRunMs(conn, true) };
    for (const [mode, median] of Object.entries(medians)) expect({ mode, median, stalled: median >= MEDIAN_LIMIT_MS }).toEqual({ mode, median, stalled: false });
  } finally {
    await pool.closeAll();
  }
}, 60000);
