import type { EnvironmentLayer, Inherited } from './types';
import type { Fields } from './fields';

/** Keywords every task-like node (task, block, role entry, include) may carry and pass down. */
export const INHERITED_KEYWORDS = [
  'when',
  'tags',
  'vars',
  'become',
  'become_user',
  'ignore_errors',
  'no_log',
  'check_mode',
  'diff',
  'delegate_to',
  'run_once',
  'environment',
] as const;

export function emptyInherited(): Inherited {
  return { when: [], tags: [], vars: {} };
}

/** The parent's keywords with this node's own on top: conditions add up, tags join, vars and flags override. */
export function inherit(parent: Inherited, fields: Fields): Inherited {
  return {
    when: [...parent.when, ...(fields.conditions('when') ?? [])],
    tags: [...new Set([...parent.tags, ...fields.list('tags', { commas: true })])],
    vars: { ...parent.vars, ...fields.dict('vars') },
    become: fields.bool('become') ?? parent.become,
    becomeUser: fields.string('become_user') ?? parent.becomeUser,
    ignoreErrors: fields.bool('ignore_errors') ?? parent.ignoreErrors,
    noLog: fields.bool('no_log') ?? parent.noLog,
    checkMode: fields.bool('check_mode') ?? parent.checkMode,
    diff: fields.bool('diff') ?? parent.diff,
    delegateTo: fields.string('delegate_to') ?? parent.delegateTo,
    runOnce: fields.bool('run_once') ?? parent.runOnce,
    environment: withLayer(parent.environment, fields.environment('environment')),
    role: parent.role,
  };
}

function withLayer(layers: EnvironmentLayer[] | undefined, layer: EnvironmentLayer | undefined): EnvironmentLayer[] | undefined {
  if (layer === undefined) return layers;
  return [...(layers ?? []), layer];
}
