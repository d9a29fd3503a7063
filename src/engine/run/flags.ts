import type { Flag, ModuleTask, Origin, ResolvedFlags } from '../playbook/types';
import type { Vars } from '../../data/vars';
import { render } from './evaluate';

/** The strings Ansible's `boolean()` accepts for a keyword (a template often renders `True` or `yes`). */
const BOOLEAN_WORDS: Record<string, boolean> = { yes: true, on: true, '1': true, true: true, y: true, t: true, no: false, off: false, '0': false, false: false, n: false, f: false };

/** A templated boolean keyword's value for one host: rendered, and refused unless it is a boolean. */
export function flagValue(flag: Flag | undefined, keyword: string, vars: Vars, origin: Origin): boolean | undefined {
  if (flag === undefined || typeof flag === 'boolean') return flag;
  const value = render(flag, vars, origin);
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' || typeof value === 'number' ? BOOLEAN_WORDS[String(value).trim().toLowerCase()] : undefined;
  if (word !== undefined) return word;
  throw new Error(`${keyword}: '${flag}' must render to true or false, got ${JSON.stringify(value)}`);
}

/** A module task whose templated boolean keywords are decided for one host. */
export type FlaggedTask = Omit<ModuleTask, keyof ResolvedFlags> & ResolvedFlags;

export function withFlags(task: ModuleTask, vars: Vars): FlaggedTask {
  return {
    ...task,
    become: flagValue(task.become, 'become', vars, task.origin),
    ignoreErrors: flagValue(task.ignoreErrors, 'ignore_errors', vars, task.origin),
    noLog: flagValue(task.noLog, 'no_log', vars, task.origin),
    runOnce: flagValue(task.runOnce, 'run_once', vars, task.origin),
  };
}
