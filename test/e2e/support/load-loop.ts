import { randomBytes } from 'node:crypto';

/**
 * A bounded load loop through the load balancer, as users would hit the site: one request every
 * `intervalMs` (20 req/s by default), each with its own timeout, whatever the previous one is
 * doing. Every `writeEvery`-th request adds a book (POST /books), the rest search; a write counts
 * as served only once the app answered 201 with the new row's id, and such acknowledged writes
 * are what `missingWrites` later looks for. It stops by itself after `maxMs` even if nobody
 * calls stop().
 */
export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Requests answered per serving host (the app's x-served-by header). */
  byHost: Record<string, number>;
  byVersion: Record<string, number>;
  /** Every answer's HTTP status (or `error` for no answer), counted. */
  byStatus: Record<string, number>;
  /** The longest any request took, answered or not: a request that hangs shows here. */
  slowestMs: number;
  writes: { sent: number; acknowledged: AcknowledgedWrite[] };
  /** The first few failures, for the assertion message. */
  samples: string[];
}

export interface AcknowledgedWrite {
  id: number;
  title: string;
}

export interface LoadOptions {
  /** The search every read sends (path and query). */
  read: string;
  /** Every n-th request is a write; 0 for reads only. */
  writeEvery?: number;
  intervalMs?: number;
  maxMs?: number;
  timeoutMs?: number;
}

export interface LoadLoop {
  /**
   * Stops sending and waits for the requests in flight. With `atLeast`, it first goes on until that
   * many requests were sent: an operation that ends quickly (a fast machine) still meets a load big
   * enough to count.
   */
  stop(atLeast?: number): Promise<LoadReport>;
}

export function startLoad(site: string, options: LoadOptions): LoadLoop {
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, byHost: {}, byVersion: {}, byStatus: {}, slowestMs: 0, writes: { sent: 0, acknowledged: [] }, samples: [] };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  // Titles unique to this loop, so a later check cannot find another run's rows.
  const tag = randomBytes(4).toString('hex');
  const count = (status: string) => (report.byStatus[status] = (report.byStatus[status] ?? 0) + 1);
  const fail = (why: string) => {
    report.failed += 1;
    if (report.samples.length < 10) report.samples.push(`${new Date().toISOString()} ${why}`);
  };
  const send = (write: boolean, title: string) =>
    write
      ? fetch(new URL('/books', site), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title, author: 'Load Loop', year: 2000 }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        })
      : fetch(new URL(options.read, site), { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
  const once = async (n: number) => {
    report.sent += 1;
    const write = (options.writeEvery ?? 0) > 0 && n % options.writeEvery! === 0;
    const title = `e2e ${tag} ${n}`;
    if (write) report.writes.sent += 1;
    const began = Date.now();
    try {
      const response = await send(write, title);
      const body = await response.text();
      count(String(response.status));
      // Who answered tells the load balancer's own 503 from the app's.
      if (response.status !== (write ? 201 : 200)) return fail(`${write ? 'POST' : 'GET'} HTTP ${response.status} from ${response.headers.get('x-served-by') ?? 'the load balancer'}: ${body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120)}`);
      if (write) {
        const created = JSON.parse(body) as { id?: unknown; title?: unknown };
        if (typeof created.id !== 'number' || created.title !== title) return fail(`POST answered 201 without the new row: ${body.slice(0, 200)}`);
        report.writes.acknowledged.push({ id: created.id, title });
      }
      report.ok += 1;
      const host = response.headers.get('x-served-by') ?? '?';
      const version = response.headers.get('x-app-version') ?? '?';
      report.byHost[host] = (report.byHost[host] ?? 0) + 1;
      report.byVersion[version] = (report.byVersion[version] ?? 0) + 1;
    } catch (err) {
      count('error');
      fail((err as Error).message);
    } finally {
      report.slowestMs = Math.max(report.slowestMs, Date.now() - began);
    }
  };
  let n = 0;
  const timer = setInterval(() => {
    if (Date.now() - started > (options.maxMs ?? 900_000)) return clearInterval(timer);
    n += 1;
    const request = once(n).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, options.intervalMs ?? 50);
  return {
    async stop(atLeast = 0) {
      while (n < atLeast && Date.now() - started <= (options.maxMs ?? 900_000)) await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
      clearInterval(timer);
      await Promise.all(inFlight);
      return report;
    },
  };
}

/** The acknowledged writes the site cannot give back (GET /books/<id> with the same title), a few at a time. */
export async function missingWrites(site: string, writes: AcknowledgedWrite[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < writes.length; i += 10) {
    await Promise.all(
      writes.slice(i, i + 10).map(async ({ id, title }) => {
        const response = await fetch(new URL(`/books/${id}`, site), { signal: AbortSignal.timeout(10_000) }).catch((err: Error) => err);
        if (response instanceof Error) {
          missing.push(`${id}: ${response.message}`);
          return;
        }
        const body = await response.text();
        if (response.status !== 200 || (JSON.parse(body) as { title?: string }).title !== title) missing.push(`${id}: HTTP ${response.status} ${body.slice(0, 120)}`);
      }),
    );
  }
  return missing;
}
