import { readFileSync } from 'node:fs';
import type { Connection } from '../../src/transport/connection';
import type { ModuleContext, ModuleDefinition, ModuleResult } from '../../src/modules/module';
import { evaluate, evaluateCondition } from '../../src/lang/expressions';

/** A ModuleContext over a real connection, the way the engine builds one. */
export function makeContext(conn: Connection, overrides: Partial<ModuleContext> = {}): ModuleContext {
  const vars = overrides.vars ?? {};
  return {
    host: conn.host,
    conn,
    check: false,
    diff: false,
    become: false,
    facts: undefined,
    vars,
    resolveLocal: (path) => path,
    renderTemplate: () => {
      throw new Error('no template renderer in this test');
    },
    evaluate: (expression) => evaluate(expression, vars),
    evaluateCondition: (condition) => evaluateCondition(condition, vars),
    readVarsFile: () => {
      throw new Error('no vars files in this test');
    },
    readLocalFile: (path) => ({ content: readFileSync(path), secret: false }),
    ...overrides,
  };
}

/** Parses the arguments through the module's schema (defaults, refusals), then runs it. */
export function runModule(module: ModuleDefinition, rawArgs: unknown, ctx: ModuleContext): Promise<ModuleResult> {
  return module.run(module.args.parse(rawArgs), ctx);
}
