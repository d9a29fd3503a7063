import { labDown, labUp, type LabInfo } from '../../src/lab';
import { getModule } from '../../src/modules';
import type { ModuleContext, ModuleResult } from '../../src/modules/module';
import { createConnectionPool, type Connection, type ConnectionPool } from '../../src/transport';
import { makeContext, runModule } from './context';
import { gatherProbes } from '../../src/engine/run/probe-batch';
import { ProbeCache, ProbeCacheConnection } from '../../src/engine/run/probe-cache';
import { synthStackFile, type StackFile } from '../support/stack-file';

export const LAB_HOST = 'app-1';

export interface LabHostOptions {
  /** Variables every module run sees, from the booted lab (e.g. the lb driver's addresses). */
  vars?: (lab: LabInfo) => Record<string, unknown>;
}

export interface CycleOptions {
  /** Context for every run of the cycle (e.g. a template renderer). */
  overrides?: Partial<ModuleContext>;
  /** Check and converge run with diff on, and the check must predict the converge's diff exactly. */
  diff?: boolean;
  /** A last check-mode run must also report ok (check mode agrees once converged). */
  checkAgain?: boolean;
}

export interface LabHost {
  readonly lab: LabInfo;
  readonly pool: ConnectionPool;
  /** The current connection to app-1 (replaced by reconnect). */
  readonly conn: Connection;
  /** As the engine does for reboot: the pool's connection notices the drop and reconnects on its next use. */
  reconnect(): Promise<Connection>;
  /** The module by name, as root, over the connection: `overrides` on top of the fixture's context. */
  run(name: string, args: unknown, overrides?: Partial<ModuleContext>): Promise<ModuleResult>;
  /** What the host looks like, as one shell command prints it (as root). */
  state(command: string): Promise<string>;
  /** check (predicts changed, changes nothing) → converge (changed, state differs) → again (ok, state the same). */
  cycle(name: string, args: unknown, probe: string, options?: CycleOptions): Promise<ModuleResult>;
}

/**
 * One booted staging lab (a single app host, reached through the bastion by the real transport)
 * for the calling test file: boots in beforeAll (after clearing a leftover of the same name) and
 * is torn down in afterAll even when the boot or the tests failed.
 */
export function useLabHost(name: string, options: LabHostOptions = {}): LabHost {
  let lab: LabInfo | undefined;
  let pool: ConnectionPool | undefined;
  let conn: Connection | undefined;
  let stack: StackFile | undefined;

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`lab ${name}: no ${what} (the lab did not come up)`);
    return value;
  };

  beforeAll(async () => {
    await labDown({ name });
    stack = synthStackFile('staging', { app: { count: 1, instanceType: 't3.small' } });
    lab = await labUp({ name, stack: stack.file });
    pool = createConnectionPool({ sshConfigFile: lab.sshConfigFile, knownHostsFile: lab.knownHostsFile, connectAttempts: 1 });
    conn = await pool.connect({ name: LAB_HOST });
  }, 600_000);

  afterAll(async () => {
    try {
      await pool?.closeAll();
      await labDown({ name });
    } finally {
      stack?.cleanup();
    }
  }, 180_000);

  const host: LabHost = {
    get lab() {
      return ready(lab, 'lab');
    },
    get pool() {
      return ready(pool, 'connection pool');
    },
    get conn() {
      return ready(conn, 'connection');
    },
    async reconnect() {
      conn = await host.pool.connect({ name: LAB_HOST });
      return conn;
    },
    run(moduleName, args, overrides = {}) {
      const module = getModule(moduleName);
      if (!module) throw new Error(`no module ${moduleName}`);
      const vars = options.vars?.(host.lab);
      return runModule(module, args, makeContext(host.conn, { become: true, ...(vars && { vars }), reconnect: host.reconnect, ...overrides }));
    },
    async state(command) {
      const result = await host.conn.run(command, { become: true });
      return `${result.exitCode}:${result.stdout}`;
    },
    async cycle(moduleName, args, probe, { overrides = {}, diff = false, checkAgain = false } = {}) {
      const { run, state } = host;
      const converging = diff ? { ...overrides, diff: true } : overrides;
      const initial = await state(probe);
      const predicted = await run(moduleName, args, { ...converging, check: true });
      expect({ name: moduleName, check: predicted.changed }).toEqual({ name: moduleName, check: true });
      expect(await state(probe)).toBe(initial);
      const first = await run(moduleName, args, converging);
      expect({ name: moduleName, changed: first.changed, failed: first.failed }).toEqual({ name: moduleName, changed: true, failed: undefined });
      const converged = await state(probe);
      expect(converged).not.toBe(initial);
      const second = await run(moduleName, args, overrides);
      expect({ name: moduleName, again: second.changed }).toEqual({ name: moduleName, again: false });
      await expectProbesAnswer(moduleName, args, overrides, second);
      if (checkAgain) expect({ name: moduleName, checkAgain: (await run(moduleName, args, { ...overrides, check: true })).changed }).toEqual({ name: moduleName, checkAgain: false });
      expect(await state(probe)).toBe(converged);
      if (diff) expect(predicted.diff).toEqual(first.diff);
      return first;
    },
  };
  /**
   * On the converged host, the module's declared probes (gathered in one batch, as the engine
   * does) answer every operation it makes, and it decides exactly as it did one call at a time.
   */
  async function expectProbesAnswer(moduleName: string, args: unknown, overrides: Partial<ModuleContext>, unbatched: ModuleResult): Promise<void> {
    const module = getModule(moduleName);
    const vars = options.vars?.(host.lab);
    const ctx = makeContext(host.conn, { become: true, ...(vars && { vars }), reconnect: host.reconnect, ...overrides });
    const parsed = module?.args.parse(args);
    const ops = module?.probe?.(parsed, ctx);
    if (!module || ops === undefined) return;
    const cache = new ProbeCache();
    await gatherProbes(host.conn, cache, ops);
    const batched = await module.run(parsed, { ...ctx, conn: new ProbeCacheConnection(host.conn, cache) });
    expect({ name: moduleName, sentOutsideTheBatch: cache.counts.sent, result: batched }).toEqual({ name: moduleName, sentOutsideTheBatch: 0, result: unbatched });
  }
  return host;
}
