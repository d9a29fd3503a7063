import type { Connection, RunOptions, RunResult } from '../../transport/connection';
import { environmentProblem } from '../playbook/fields';
import type { EnvironmentLayer, Origin } from '../playbook/types';
import { ConnectionWrapper } from './connection-wrapper';
import { render } from './evaluate';
import { isDict, type Vars } from '../../data/vars';

/** The task's `environment:` levels rendered for one host and merged, the inner level winning. */
export function renderEnvironment(layers: readonly EnvironmentLayer[] | undefined, vars: Vars, origin: Origin): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const layer of layers ?? []) {
    const rendered: unknown = render(layer, vars, origin);
    if (!isDict(rendered)) throw new Error(`environment: expected a mapping, got ${JSON.stringify(rendered)}`);
    const problem = environmentProblem(rendered);
    if (problem !== undefined) throw new Error(`environment: ${problem}`);
    for (const [name, value] of Object.entries(rendered)) merged[name] = String(value);
  }
  return merged;
}

/**
 * The host's connection with the task's environment added to every command, so modules need
 * not know about `environment:`. A variable the module sets itself (apt's DEBIAN_FRONTEND) wins.
 */
export function withEnvironment(conn: Connection, env: Record<string, string>): Connection {
  return Object.keys(env).length === 0 ? conn : new EnvironmentConnection(conn, env);
}

class EnvironmentConnection extends ConnectionWrapper {
  constructor(
    inner: Connection,
    private readonly env: Record<string, string>,
  ) {
    super(inner);
  }

  run(command: string, options: RunOptions = {}): Promise<RunResult> {
    return this.inner.run(command, { ...options, env: { ...this.env, ...options.env } });
  }
}
