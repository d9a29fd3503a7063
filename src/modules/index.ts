import type { ModuleDefinition } from './module';
import { apt } from './apt';
import { apt_repository } from './apt_repository';
import { assert } from './assert';
import { async_status } from './async_status';
import { authorized_key } from './authorized_key';
import { blockinfile } from './blockinfile';
import { command } from './command';
import { copy } from './copy';
import { debug } from './debug';
import { fail } from './fail';
import { fetchModule } from './fetch';
import { file } from './file';
import { find } from './find';
import { get_url } from './get_url';
import { getent } from './getent';
import { group } from './group';
import { include_vars } from './include_vars';
import { lb_member } from './lb_member';
import { lineinfile } from './lineinfile';
import { mount } from './mount';
import { openssh_keypair } from './openssh_keypair';
import { packageModule } from './package';
import { package_facts } from './package_facts';
import { pam_limits } from './pam_limits';
import { pamd } from './pamd';
import { pause } from './pause';
import { reboot } from './reboot';
import { replace } from './replace';
import { service_facts } from './service_facts';
import { set_fact } from './set_fact';
import { setup } from './setup';
import { shell } from './shell';
import { stat } from './stat';
import { sysctl } from './sysctl';
import { service, systemd } from './systemd';
import { template } from './template';
import { timezone } from './timezone';
import { unarchive } from './unarchive';
import { uri } from './uri';
import { user } from './user';
import { wait_for } from './wait_for';
import { foreignModule } from './foreign';

const MODULES: ModuleDefinition[] = [
  apt, apt_repository, assert, async_status, authorized_key, blockinfile, command, copy, debug, fail, fetchModule, file, find, get_url, getent,
  group, include_vars, lb_member, lineinfile, mount, openssh_keypair, packageModule, package_facts, pam_limits, pamd, pause, reboot, replace, service,
  service_facts, set_fact, setup, shell, stat, sysctl, systemd, template, timezone, unarchive, uri, user, wait_for,
];

const BY_NAME = new Map<string, ModuleDefinition>(MODULES.map((m) => [m.name, m]));

/** Ansible's other spellings of the same modules. */
const ALIASES: Record<string, string> = { systemd_service: 'systemd', 'ansible.posix.authorized_key': 'authorized_key', 'ansible.posix.sysctl': 'sysctl', 'ansible.posix.mount': 'mount', 'community.general.timezone': 'timezone', 'community.crypto.openssh_keypair': 'openssh_keypair', 'community.general.pam_limits': 'pam_limits', 'community.general.pamd': 'pamd' };

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
