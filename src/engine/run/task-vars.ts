import { OMIT_PLACEHOLDER } from '../../modules/module';
import type { Inherited, Play } from '../playbook/types';
import { variableView } from '../../lang/variable-view';
import { factVars, mergeVars } from './variables';
import type { HostState, HostStates } from './host-state';
import type { Vars } from '../../data/vars';

/** What the vars of a task on a host are computed from. */
export interface VarSources {
  play: Play;
  playbookDir: string;
  /** The inventory's merged variables of a host (group vars by depth, then host_vars). */
  inventoryVars(host: string): Vars;
  groups: Record<string, string[]>;
  extraVars: Vars;
  states: HostStates;
  playHosts: string[];
  batch: string[];
  check: boolean;
  diff: boolean;
}

/** The variables of one task on one host, by precedence, with Ansible's magic variables. */
export function taskVars(sources: VarSources, host: string, task: Inherited, extra: Vars = {}): Vars {
  const state = sources.states.get(host);
  const vars = mergeVars({
    roleDefaults: task.role?.defaults,
    inventory: sources.inventoryVars(host),
    facts: factVars(state.facts),
    play: sources.play.vars,
    role: task.role?.vars,
    task: { ...task.vars, ...extra },
    hostFacts: state.hostFacts,
    extra: sources.extraVars,
  });
  return {
    ...vars,
    ...magicVars(sources, state),
    ...(task.role ? { role_name: task.role.name, ansible_role_name: task.role.name, role_path: task.role.path } : {}),
  };
}

function magicVars(sources: VarSources, state: HostState): Vars {
  const groupNames = Object.entries(sources.groups)
    .filter(([group, members]) => group !== 'all' && group !== 'ungrouped' && members.includes(state.name))
    .map(([group]) => group)
    .sort();
  return {
    inventory_hostname: state.name,
    inventory_hostname_short: state.name.split('.')[0],
    group_names: groupNames,
    groups: sources.groups,
    hostvars: hostvars(sources),
    play_hosts: sources.batch,
    ansible_play_hosts: sources.playHosts,
    ansible_play_batch: sources.batch,
    ansible_play_name: sources.play.name,
    ansible_check_mode: sources.check,
    ansible_diff_mode: sources.diff,
    playbook_dir: sources.playbookDir,
    omit: OMIT_PLACEHOLDER,
  };
}

/** `hostvars[name]`: every host's play-level variables, computed only when a template reads them. */
function hostvars(sources: VarSources): Vars {
  const all: Vars = {};
  for (const host of Object.values(sources.groups).flat()) {
    if (host in all) continue;
    Object.defineProperty(all, host, {
      enumerable: true,
      // configurable, so the template engine's lazy view may wrap it (and render `{{ }}` inside another host's vars)
      configurable: true,
      get: () => {
        const state = sources.states.get(host);
        const vars = {
          ...mergeVars({ inventory: sources.inventoryVars(host), facts: factVars(state.facts), play: sources.play.vars, hostFacts: state.hostFacts, extra: sources.extraVars }),
          inventory_hostname: host,
        };
        // `{{ }}` in another host's variables renders with that host's variables, as in Ansible
        return variableView(vars, { file: `hostvars['${host}']` });
      },
    });
  }
  return all;
}
