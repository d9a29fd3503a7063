import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StampedCache } from '../base/file-stamp';
import { withLockFile } from '../base/lock-file';

/**
 * OpenSSH's known_hosts format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed host
 * patterns, `[host]:port` for non-standard ports, and the @revoked / @cert-authority markers.
 */

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: comma-separated patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/**
 * How OpenSSH names a host in known_hosts: lowercased (ssh lowercases HostName and HostKeyAlias
 * before it looks, hashes or records), bare for port 22, `[host]:port` otherwise. A hashed entry
 * matches one spelling only: looked up as written, `LocalHost` missed `localhost`'s recorded key
 * and was accepted as a new host.
 */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/** Lines OpenSSH would skip (comments, blanks, malformed) are skipped here too, not fatal. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0].startsWith('@')) return;
    if (fields.length < 3) return;
    const key = Buffer.from(fields[2], 'base64');
    if (key.length === 0 || keyTypeOf(key) !== fields[1]) return;
    entries.push({ file, line: index + 1, marker, hosts: fields[0], keyType: fields[1], key });
  });
  return entries;
}

/** The algorithm name inside a public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  return length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : undefined;
}

// Each host is looked up in every line, and a run looks up every host: compile each pattern once.
const compiledPatterns = new Map<string, RegExp>();

function wildcardToRegExp(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    compiled = new RegExp(`^${body}$`, 'i');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** OpenSSH's match_hostname: any positive pattern matches and no negated one does. */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    return hashHostName(name, Buffer.from(salt, 'base64')) === hosts;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!wildcardToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

export type HostKeyStatus =
  | { status: 'known' }
  | { status: 'unknown' }
  | { status: 'changed'; recorded: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * A revoked key is refused wherever it appears; a host with any recorded plain key that is not the
 * presented one has CHANGED (ssh2 is steered to the recorded key types first, so a mere second
 * key type does not look like a change). @cert-authority lines sign certificates, which this
 * transport does not accept as host keys, so they never vouch for a plain key.
 */
export function checkHostKey(entries: KnownHostEntry[], name: string, key: Buffer): HostKeyStatus {
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const recorded = entries.filter((entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, name));
  if (recorded.some((entry) => entry.key.equals(key))) return { status: 'known' };
  return recorded.length > 0 ? { status: 'changed', recorded } : { status: 'unknown' };
}

const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** ssh2's serverHostKey preference: the types already recorded for this host first, as OpenSSH orders them. */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], name: string, defaults: string[]): string[] {
  const recorded = entries.filter((entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, name)).flatMap((entry) => ALGORITHMS_FOR_KEY_TYPE[entry.keyType] ?? [entry.keyType]);
  const first = [...new Set(recorded)].filter((algorithm) => defaults.includes(algorithm));
  return [...first, ...defaults.filter((algorithm) => !first.includes(algorithm))];
}

// Every handshake reads the files twice (key types to offer, then the check): parsed again only when a file changed.
const parsedFiles = new StampedCache<Promise<KnownHostEntry[]>>();

function readKnownHostsFile(file: string): Promise<KnownHostEntry[]> {
  return parsedFiles.get(file, async () => {
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    return parseKnownHosts(text, file);
  });
}

export async function readKnownHostsFiles(files: string[]): Promise<KnownHostEntry[]> {
  return (await Promise.all(files.map(readKnownHostsFile))).flat();
}

/** One writer per file in this process: parallel first connections queue here instead of racing. */
const writeQueues = new Map<string, Promise<unknown>>();

function inProcessQueue<T>(file: string, work: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(file) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  writeQueues.set(file, settled);
  void settled.then(() => {
    if (writeQueues.get(file) === settled) writeQueues.delete(file);
  });
  return next;
}

export interface AcceptNewKey {
  /** All files consulted (the first one receives the new line). */
  files: string[];
  name: string;
  key: Buffer;
  hash: boolean;
}

/**
 * accept-new: the re-read and the append form one step across every play process on this machine,
 * under `<known_hosts>.lock` (see lock-file.ts), so of processes accepting the same new host at
 * once exactly one records it and the others see that line: the same key is then known, and a
 * different one (a man in the middle answering one of them) is reported as changed, never
 * appended. Connections within one process queue before taking the lock, so it is taken once per
 * file at a time. OpenSSH itself takes no lock; an ssh appending at the same moment can still race.
 */
export async function acceptNewHostKey(request: AcceptNewKey): Promise<HostKeyStatus | { status: 'added' }> {
  const file = path.resolve(request.files[0]);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  return inProcessQueue(file, () =>
    withLockFile(`${file}.lock`, async () => {
      const current = checkHostKey(await readKnownHostsFiles(request.files), request.name, request.key);
      if (current.status !== 'unknown') return current;
      await appendHostKey(file, request);
      return { status: 'added' as const };
    }),
  );
}

/** Keeps a missing final newline of the file intact: the new line never joins the last one. */
async function appendHostKey(file: string, request: AcceptNewKey): Promise<void> {
  const handle = await fs.open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    const lastByte = Buffer.alloc(1);
    if (size > 0) await handle.read(lastByte, 0, 1, size - 1);
    const separator = size > 0 && lastByte[0] !== 0x0a ? '\n' : '';
    const host = request.hash ? hashHostName(request.name) : request.name;
    await handle.write(`${separator}${host} ${keyTypeOf(request.key)} ${request.key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
