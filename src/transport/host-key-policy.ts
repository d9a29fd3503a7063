import { TransportError, type Hop } from './connection';
import { acceptNewHostKey, checkHostKey, keyTypeOf, knownHostsName, readKnownHostsFiles, type KnownHostEntry } from './known-hosts';
import type { HostKeyPolicy, SshEndpoint } from './ssh-config';

export interface HostKeyCheckRequest {
  /** The inventory host the connection is for (every error names it). */
  host: string;
  hop: Hop;
  endpoint: SshEndpoint;
  policy: HostKeyPolicy;
  key: Buffer;
}

function location(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

/**
 * Decides whether a presented host key is trusted; returns the refusal as a TransportError. A
 * changed or revoked key is refused under every policy, including `no`: `no` only skips recording
 * keys of hosts never seen before.
 */
export async function verifyHostKey(request: HostKeyCheckRequest): Promise<TransportError | undefined> {
  const { endpoint, key, host, hop } = request;
  const name = knownHostsName(endpoint.hostKeyName, endpoint.port);
  const files = endpoint.knownHostsFiles;
  const refuse = (kind: 'hostkey-changed' | 'hostkey-unknown', message: string) => new TransportError(host, hop, kind, `${hop} ${endpoint.alias} (${name}): ${message}`);

  let status = checkHostKey(await readKnownHostsFiles(files), name, key);
  if (status.status === 'unknown' && request.policy === 'accept-new') {
    const accepted = await acceptNewHostKey({ files, name, key, hash: endpoint.hashKnownHosts });
    status = accepted.status === 'added' ? { status: 'known' } : accepted;
  }
  switch (status.status) {
    case 'known':
      return undefined;
    case 'unknown':
      if (request.policy === 'no') return undefined;
      return refuse('hostkey-unknown', `host key is not in ${files.join(', ')} and StrictHostKeyChecking is yes; record it first (ssh-keyscan, or one run with accept-new)`);
    case 'revoked':
      return refuse('hostkey-changed', `host key ${keyTypeOf(key)} is marked @revoked in ${location(status.entry)}; refusing to connect`);
    case 'changed': {
      const recorded = status.recorded[0];
      return refuse(
        'hostkey-changed',
        `REMOTE HOST KEY HAS CHANGED: it presented a ${keyTypeOf(key)} key that differs from the one recorded in ${status.recorded.map(location).join(', ')}. ` +
          `Someone may be intercepting the connection, or the host was rebuilt. If you know it was rebuilt, remove the old key with: ssh-keygen -R '${name}' -f ${recorded.file}`,
      );
    }
  }
}
