import type { Connection } from '../../src/transport/connection';
import type { ModuleContext, ModuleDefinition, ModuleResult } from '../../src/modules/module';

/** A ModuleContext over a real connection, the way the engine builds one. */
export function makeContext(conn: Connection, overrides: Partial<ModuleContext> = {}): ModuleContext {
  return {
    host: conn.host,
    conn,
    check: false,
    diff: false,
    become: false,
    facts: undefined,
    vars: {},
    resolveLocal: (path) => path,
    renderTemplate: () => {
      throw new Error('no template renderer in this test');
    },
    ...overrides,
  };
}

/** Parses the arguments through the module's schema (defaults, refusals), then runs it. */
export function runModule(module: ModuleDefinition, rawArgs: unknown, ctx: ModuleContext): Promise<ModuleResult> {
  return module.run(module.args.parse(rawArgs), ctx);
}
