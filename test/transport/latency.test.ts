import { execFileSync } from 'node:child_process';
import { createConnectionPool } from '../../src/transport';
import { labPrerequisites, startSshdLab, TEST_NET, type SshdLab } from '../support/sshd-net';

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
 *
 * The time each command takes belongs to the bench (bench/transport): on a busy machine any bound
 * on it is either too loose to catch 40 ms or fails for load alone. Here the cause is checked where
 * it lives: TCP_NODELAY on both ends of the connection to the bastion, read from the kernel.
 */

let lab: SshdLab;

beforeAll(async () => {
  const missing = labPrerequisites();
  if (missing) throw new Error(missing);
  lab = await startSshdLab({ targets: 1 });
}, 60000);

afterAll(async () => {
  await lab?.teardown();
});

/**
 * Node has no getsockopt: perl (perl-base, on every Debian) copies the socket out of the process
 * holding it with pidfd_getfd (Linux 5.6; root may take any process's) and asks for the option.
 * 434 and 438 are pidfd_open and pidfd_getfd, the same number on every architecture.
 */
const GET_NODELAY = `
use Socket qw(IPPROTO_TCP TCP_NODELAY);
my $pidfd = syscall(434, $ARGV[0] + 0, 0);
die "pidfd_open: $!\\n" if $pidfd < 0;
my $fd = syscall(438, $pidfd, $ARGV[1] + 0, 0);
die "pidfd_getfd: $!\\n" if $fd < 0;
open(my $sock, '+<&=', $fd) or die "fdopen: $!\\n";
my $value = getsockopt($sock, IPPROTO_TCP, TCP_NODELAY);
die "getsockopt: $!\\n" unless defined $value;
print unpack('i', $value);
`;

function noDelay(holder: { pid: number; fd: number }): boolean {
  return execFileSync('perl', ['-e', GET_NODELAY, String(holder.pid), String(holder.fd)], { encoding: 'utf8' }) !== '0';
}

interface TcpSocket {
  local: string;
  peer: string;
  /** Every process and descriptor holding the socket (sshd's privilege-separated pair both do). */
  holders: Array<{ pid: number; fd: number }>;
}

/** Established TCP sockets matching an ss filter, in this network namespace or the named one. */
function tcpSockets(filter: string[], namespace?: string): TcpSocket[] {
  const ss = ['ss', '-tnpH', 'state', 'established', ...filter];
  const output = namespace ? execFileSync('ip', ['netns', 'exec', namespace, ...ss], { encoding: 'utf8' }) : execFileSync(ss[0], ss.slice(1), { encoding: 'utf8' });
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, , local, peer] = line.trim().split(/\s+/);
      const holders = [...line.matchAll(/pid=(\d+),fd=(\d+)/g)].map((match) => ({ pid: Number(match[1]), fd: Number(match[2]) }));
      return { local, peer, holders };
    });
}

test('the connection to the bastion sends without Nagle at both ends: the controller sets TCP_NODELAY, and the bastion sshd has it before any target command runs', async () => {
  const config = lab.writeFile(
    'ssh_config.latency',
    `${lab.hostBlocks()}\nHost ${lab.targets[0].name}\n  ProxyJump bastion\n\nHost bastion\n  HostName ${lab.bastion.address}\n\nHost *\n  User root\n  IdentityFile ${lab.clientKey}\n  UserKnownHostsFile ${lab.dir}/known_hosts.latency\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 5\n`,
  );
  const pool = createConnectionPool({ sshConfigFile: config, agentSocket: null });
  try {
    // Only forwarded through so far: no command has run on the bastion but play's own.
    const target = await pool.connect({ name: lab.targets[0].name });
    expect(pool.stats()).toMatchObject({ jumpSessions: 1, execs: 0 });

    const ours = tcpSockets(['dst', `${lab.bastion.address}:22`]).filter((socket) => socket.holders.some((holder) => holder.pid === process.pid));
    expect(ours).toHaveLength(1);
    const controllerEnd = ours[0].holders.find((holder) => holder.pid === process.pid)!;
    expect({ end: 'controller', noDelay: noDelay(controllerEnd) }).toEqual({ end: 'controller', noDelay: true });

    const [address, port] = [ours[0].local.slice(0, ours[0].local.lastIndexOf(':')), ours[0].local.slice(ours[0].local.lastIndexOf(':') + 1)];
    const bastionSide = tcpSockets(['src', `${lab.bastion.address}:22`, 'dst', `${address}:${port}`], `${TEST_NET.prefix}-b-${lab.suffix}`);
    expect(bastionSide).toHaveLength(1);
    expect(bastionSide[0].holders.length).toBeGreaterThan(0);
    expect({ end: 'bastion sshd', noDelay: bastionSide[0].holders.map(noDelay) }).toEqual({ end: 'bastion sshd', noDelay: bastionSide[0].holders.map(() => true) });

    const result = await target.run('echo output');
    expect(result).toMatchObject({ exitCode: 0, stdout: 'output\n' });
  } finally {
    await pool.closeAll();
  }
}, 60000);
