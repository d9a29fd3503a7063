import { statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';

/**
 * The variables Ansible's template module and template lookup add for a template file
 * (`generate_ansible_template_vars`): they override the play's, as in Ansible. `ansible_managed`
 * is ansible-core's default string (play reads no ansible.cfg).
 */
const TEMPLATE_VARS: Record<string, (path: string) => unknown> = {
  template_host: () => hostname(),
  template_path: (path) => path,
  template_fullpath: (path) => resolve(path),
  template_uid: (path) => ownerOf(path),
  template_run_date: () => pythonDateTime(new Date()),
  template_mtime: (path) => pythonDateTime(statSync(path).mtime),
  template_destpath: () => null,
  ansible_managed: () => 'Ansible managed',
};

export const TEMPLATE_VAR_NAMES: readonly string[] = Object.keys(TEMPLATE_VARS);

export function ansibleTemplateVars(path: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(TEMPLATE_VARS).map(([name, value]) => [name, value(path)]));
}

function ownerOf(path: string): string {
  const uid = statSync(path).uid;
  const me = userInfo();
  return me.uid === uid ? me.username : String(uid);
}

/** A local time as Python's str(datetime) prints it: `2026-12-06 20:18:03.123000`. */
function pythonDateTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  return `${day} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}000`;
}
