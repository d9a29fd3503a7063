import type { ModuleDefinition } from './module';
import { apt } from './apt';
import { assert } from './assert';
import { async_status } from './async_status';
import { authorized_key } from './authorized_key';
import { blockinfile } from './blockinfile';
import { command } from './command';
import { copy } from './copy';
import { debug } from './debug';
import { fail } from './fail';
import { file } from './file';
import { group } from './group';
import { include_vars } from './include_vars';
import { lb_member } from './lb_member';
import { lineinfile } from './lineinfile';
import { packageModule } from './package';
import { package_facts } from './package_facts';
import { pause } from './pause';
import { reboot } from './reboot';
import { service, systemd } from './systemd';
import { service_facts } from './service_facts';
import { set_fact } from './set_fact';
import { setup } from './setup';
import { shell } from './shell';
import { stat } from './stat';
import { sysctl } from './sysctl';
import { template } from './template';
import { uri } from './uri';
import { user } from './user';
import { wait_for } from './wait_for';
import { foreignModule } from './foreign';

const MODULES: ModuleDefinition[] = [
  apt, assert, async_status, authorized_key, blockinfile, command, copy, debug, fail, file, group, include_vars, lb_member, lineinfile, packageModule, package_facts,
  pause, reboot, service, service_facts, set_fact, setup, shell, stat, sysctl, systemd, template, uri, user, wait_for,
];

const BY_NAME = new Map<string, ModuleDefinition>(MODULES.map((m) => [m.name, m]));

/** Ansible's other spellings of the same modules. */
const ALIASES: Record<string, string> = { systemd_service: 'systemd', 'ansible.posix.authorized_key': 'authorized_key', 'ansible.posix.sysctl': 'sysctl' };

const PREFIXES = ['ansible.builtin.', 'ansible.legacy.'];

/**
 * The module for a task key: `copy`, `ansible.builtin.copy`, `ansible.posix.sysctl`...; a stand-in
 * for a module of other systems (`yum`, `win_service`); undefined when unknown.
 */
export function getModule(name: string): ModuleDefinition | undefined {
  const prefix = PREFIXES.find((p) => name.startsWith(p));
  const short = prefix ? name.slice(prefix.length) : name;
  return BY_NAME.get(ALIASES[short] ?? ALIASES[name] ?? short) ?? foreignModule(name);
}

/** Every module's short name, sorted (for messages like "unknown module, did you mean..."). */
export function moduleNames(): string[] {
  return [...BY_NAME.keys()].sort();
}
