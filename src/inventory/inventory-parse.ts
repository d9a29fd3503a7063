import { InventoryError } from './inventory-error';
import { ALL, InventoryModel } from './inventory-model';
import type { VarMap } from './inventory-model';
import { expandHostRange, MAX_INVENTORY_HOSTS } from './inventory-ranges';

/**
 * Reads one YAML inventory in Ansible's shape into the model:
 *   all:
 *     vars: {...}
 *     hosts: {name: {vars...} | null}
 *     children: {group: {hosts, children, vars} | null}
 * Top-level keys other than `all` are groups too (children of all), as in Ansible.
 */

const GROUP_KEYS = new Set(['hosts', 'children', 'vars']);
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// characters that would make a host name unusable in a host pattern
const BAD_HOST_CHARS = /[\s,:!&~*?]/;

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function kind(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

export function parseInventoryData(data: unknown, file: string, model: InventoryModel): void {
  if (data === null || data === undefined) return;
  if (!isMapping(data)) throw new InventoryError(file, undefined, `an inventory must be a mapping of groups (e.g. "all:"), not ${kind(data)}`);
  const parser = new GroupParser(file, model);
  for (const [name, body] of Object.entries(data)) {
    parser.group(name, body, name, name === ALL ? undefined : ALL, []);
  }
}

class GroupParser {
  /** Host names listed so far, a host in several groups counted each time. */
  private listed = 0;

  constructor(
    private readonly file: string,
    private readonly model: InventoryModel,
  ) {}

  group(name: string, body: unknown, key: string, parent: string | undefined, ancestors: string[]): void {
    if (!GROUP_NAME.test(name)) throw new InventoryError(this.file, key, `invalid group name "${name}" (letters, digits, _ . - only)`);
    if (ancestors.includes(name)) throw new InventoryError(this.file, key, `group "${name}" contains itself (${[...ancestors, name].join(' -> ')})`);
    this.model.group(name);
    if (parent) this.model.link(parent, name);
    if (body === null || body === undefined) return;
    if (!isMapping(body)) throw new InventoryError(this.file, key, `a group must be a mapping with hosts, children or vars, not ${kind(body)}`);
    for (const field of Object.keys(body)) {
      if (!GROUP_KEYS.has(field)) throw new InventoryError(this.file, `${key}.${field}`, `unknown key "${field}" in group "${name}" (expected hosts, children or vars)`);
    }
    if (body.vars !== undefined && body.vars !== null) Object.assign(this.model.group(name).vars, this.vars(body.vars, `${key}.vars`));
    this.hosts(name, body.hosts, `${key}.hosts`);
    if (body.children !== undefined && body.children !== null) {
      if (!isMapping(body.children)) throw new InventoryError(this.file, `${key}.children`, `children must be a mapping of group names, not ${kind(body.children)}`);
      for (const [child, childBody] of Object.entries(body.children)) {
        this.group(child, childBody, `${key}.children.${child}`, name, [...ancestors, name]);
      }
    }
  }

  private hosts(group: string, hosts: unknown, key: string): void {
    if (hosts === undefined || hosts === null) return;
    if (!isMapping(hosts)) throw new InventoryError(this.file, key, `hosts must be a mapping of host names (each with its vars or nothing), not ${kind(hosts)}`);
    for (const [pattern, vars] of Object.entries(hosts)) {
      const hostKey = `${key}.${pattern}`;
      let names: string[];
      try {
        names = expandHostRange(pattern);
      } catch (err) {
        throw new InventoryError(this.file, hostKey, (err as Error).message);
      }
      this.listed += names.length;
      if (this.listed > MAX_INVENTORY_HOSTS) throw new InventoryError(this.file, hostKey, `the file lists more than ${MAX_INVENTORY_HOSTS} hosts (ranges expanded)`);
      const hostVars = vars === null || vars === undefined ? {} : this.vars(vars, hostKey);
      for (const name of names) {
        if (!name || BAD_HOST_CHARS.test(name)) throw new InventoryError(this.file, hostKey, `invalid host name "${name}"`);
        const host = this.model.host(name, this.file);
        Object.assign(host.vars, hostVars);
        this.model.group(group).hosts.add(name);
      }
    }
  }

  private vars(value: unknown, key: string): VarMap {
    if (!isMapping(value)) throw new InventoryError(this.file, key, `variables must be a mapping, not ${kind(value)}`);
    return value;
  }
}
