import { unsafeData } from '../../data/unsafe-text';
import type { Vars } from '../../data/vars';

/**
 * The variable layers of one task on one host, named by where the values come from. The order of
 * the fields in PRECEDENCE is Ansible's, lowest first; later layers replace earlier ones key by
 * key (Ansible's default `hash_behaviour = replace`: a dict is replaced, never deep-merged).
 */
export interface VarLayers {
  roleDefaults?: Vars;
  /** Inventory group vars (all, then child groups) as the inventory merged them. */
  inventory?: Vars;
  hostVars?: Vars;
  /** Facts, exposed as `ansible_facts` and, as in Ansible, each fact as `ansible_<name>`. */
  facts?: Vars;
  play?: Vars;
  role?: Vars;
  /** Block and task vars, outer block first; a loop's item is added here. */
  task?: Vars;
  /** set_fact results and registered results of this host. */
  hostFacts?: Vars;
  extra?: Vars;
}

export const PRECEDENCE: ReadonlyArray<keyof VarLayers> = [
  'roleDefaults',
  'inventory',
  'hostVars',
  'facts',
  'play',
  'role',
  'task',
  'hostFacts',
  'extra',
];

export function mergeVars(layers: VarLayers): Vars {
  const merged: Vars = {};
  for (const layer of PRECEDENCE) Object.assign(merged, layers[layer]);
  return merged;
}

/**
 * Facts as variables: `ansible_facts.<name>` and the top-level `ansible_<name>` Ansible injects.
 * They are what the host said (a hostname, a path), so they are data (`!unsafe`) here, where they
 * become variables; the host state keeps them as sent, for modules (setup adds to them).
 */
export function factVars(facts: Vars | undefined): Vars {
  if (!facts) return {};
  // Once per facts object, not per task: a host's facts are replaced when they change, never edited, and mergeVars copies this layer.
  let vars = factVarsOf.get(facts);
  if (vars) return vars;
  const data = unsafeData(facts);
  vars = { ansible_facts: data };
  for (const [name, value] of Object.entries(data)) vars[`ansible_${name}`] = value;
  factVarsOf.set(facts, vars);
  return vars;
}

const factVarsOf = new WeakMap<Vars, Vars>();
