import { connect } from 'node:net';

/** `host:port` or `[v6]:port`, as the inventory's `admin_address`. */
export function parseAdminAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!match) throw new Error(`lb.admin_address ${JSON.stringify(address)} is not host:port`);
  return { host: match[1] ?? match[2], port: Number(match[3]) };
}

/**
 * One command on HAProxy's runtime API (the stats socket, `level admin`): in its non-interactive
 * mode HAProxy answers and closes the connection, so the answer is everything read until close.
 */
export function runtimeCommand(address: string, command: string, timeoutMs = 5000): Promise<string> {
  const { host, port } = parseAdminAddress(address);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API at ${address} did not answer "${command}" within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => reject(new Error(`HAProxy runtime API at ${address}: ${err.message}`)));
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export interface ServerState {
  /** 0 stopped, 1 starting, 2 running (health checks pass or none), 3 stopping. */
  opState: number;
  /** Bit field: 0x01 forced maint, 0x02 inherited maint, 0x04 maint from config, 0x08 forced drain, 0x10 inherited drain, 0x20 resolution maint. */
  adminState: number;
}

/** One server's line of `show servers state <backend>` (a version line, a `#` header naming the columns, then rows). */
export function parseServersState(text: string, server: string): ServerState | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('#'))?.slice(1).trim().split(/\s+/);
  if (!header) return undefined;
  const column = (name: string) => header.indexOf(name);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const fields = line.trim().split(/\s+/);
    if (fields[column('srv_name')] === server) {
      return { opState: Number(fields[column('srv_op_state')]), adminState: Number(fields[column('srv_admin_state')]) };
    }
  }
  return undefined;
}

/** `show stat` CSV into rows keyed by the header's column names. */
export function parseStatCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerLine = lines.find((l) => l.startsWith('# '));
  if (!headerLine) return [];
  const header = headerLine.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const values = l.split(',');
      return Object.fromEntries(header.map((name, i) => [name, values[i] ?? '']));
    });
}
