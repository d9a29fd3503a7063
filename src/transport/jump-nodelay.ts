import type { Client } from 'ssh2';

/**
 * Makes a jump host's sshd send without Nagle, by starting one session command on it.
 *
 * OpenSSH turns on TCP_NODELAY for a connection only when a session on it starts a command
 * (`ssh_packet_set_interactive`). play only forwards channels through a jump host, so without this
 * the bastion's socket to the controller keeps Nagle on: when a target's command prints output, the
 * bastion forwards the data, then holds the small packet that carries the exit status until the
 * controller ACKs the data, which Linux delays by at least 40 ms. Every command with output, on
 * every host behind the bastion, cost 40+ ms instead of a few (measured on the lab: `stat` 48 ms,
 * 6 ms after this).
 *
 * sshd sets the option before the command runs, so the request being accepted is enough: the channel
 * is closed at once, and nothing waits for `true` itself. A bastion that refuses sessions (or does
 * not answer within `timeoutMs`) still forwards; it is only slower, so every failure is ignored.
 */
export function startNoDelayOnJumpHost(jump: Client, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      jump.exec('true', (err, channel) => {
        if (!err) {
          channel.on('error', () => undefined);
          channel.resume();
          channel.stderr.resume();
          channel.close();
        }
        done();
      });
    } catch {
      done();
    }
  });
}
