/**
 * A bounded load loop through the load balancer, as a user would hit the site: one request every
 * `intervalMs` (20 req/s by default), each with its own timeout, whatever the previous one is
 * doing. It stops by itself after `maxMs` even if nobody calls stop().
 */
export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Requests answered per serving host (the app's x-served-by header). */
  byHost: Record<string, number>;
  byVersion: Record<string, number>;
  /** The first few failures, for the assertion message. */
  samples: string[];
}

export interface LoadLoop {
  stop(): Promise<LoadReport>;
}

export function startLoad(url: string, options: { intervalMs?: number; maxMs?: number; timeoutMs?: number } = {}): LoadLoop {
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, byHost: {}, byVersion: {}, samples: [] };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const fail = (why: string) => {
    report.failed += 1;
    if (report.samples.length < 10) report.samples.push(`${new Date().toISOString()} ${why}`);
  };
  const once = async () => {
    report.sent += 1;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      await response.arrayBuffer();
      if (response.status !== 200) return fail(`HTTP ${response.status}`);
      report.ok += 1;
      const host = response.headers.get('x-served-by') ?? '?';
      const version = response.headers.get('x-app-version') ?? '?';
      report.byHost[host] = (report.byHost[host] ?? 0) + 1;
      report.byVersion[version] = (report.byVersion[version] ?? 0) + 1;
    } catch (err) {
      fail((err as Error).message);
    }
  };
  const timer = setInterval(() => {
    if (Date.now() - started > (options.maxMs ?? 900_000)) return clearInterval(timer);
    const request = once().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, options.intervalMs ?? 50);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return report;
    },
  };
}
