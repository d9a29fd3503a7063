import type { EnvironmentLayer, Inherited } from './types';
import type { Fields } from './fields';

/** Keywords every task-like node (task, block, role entry, include) may carry and pass down. */
export const INHERITED_KEYWORDS = [
  'when',
  'tags',
  'vars',
  'become',
  'become_user',
  'become_method',
  'remote_user',
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
  checkBecomeMethod(fields);
  return {
    when: [...parent.when, ...(fields.conditions('when') ?? [])],
    tags: [...new Set([...parent.tags, ...fields.list('tags', { commas: true })])],
    vars: { ...parent.vars, ...fields.dict('vars') },
    become: fields.flag('become') ?? parent.become,
    becomeUser: fields.string('become_user') ?? parent.becomeUser,
    remoteUser: fields.string('remote_user') ?? parent.remoteUser,
    ignoreErrors: fields.flag('ignore_errors') ?? parent.ignoreErrors,
    noLog: fields.flag('no_log') ?? parent.noLog,
    checkMode: fields.bool('check_mode') ?? parent.checkMode,
    diff: fields.bool('diff') ?? parent.diff,
    delegateTo: fields.string('delegate_to') ?? parent.delegateTo,
    runOnce: fields.flag('run_once') ?? parent.runOnce,
    environment: withLayer(parent.environment, fields.environment('environment')),
    role: parent.role,
  };
}

/**
 * What a handler takes from the play or role it belongs to: every keyword but conditions, tags and
 * vars (ansible-core's handlers inherit the rest, ignore_errors, no_log, check_mode and diff
 * included; they run when notified, whatever the tags, and vars have their own precedence).
 */
export function handlerInherited(parent: Inherited): Inherited {
  return { ...parent, when: [], tags: [], vars: {} };
}

function withLayer(layers: EnvironmentLayer[] | undefined, layer: EnvironmentLayer | undefined): EnvironmentLayer[] | undefined {
  if (layer === undefined) return layers;
  return [...(layers ?? []), layer];
}

/** Hosts here escalate with sudo only; another method would silently run as someone else. */
function checkBecomeMethod(fields: Fields): void {
  const method = fields.string('become_method');
  if (method !== undefined && method !== 'sudo') fields.fail('become_method', `play supports become_method sudo only, got '${method}'`);
}
