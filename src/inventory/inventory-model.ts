/** The inventory's groups and hosts as they are declared, before variables are merged. */

export type VarMap = Record<string, unknown>;

export interface GroupDef {
  name: string;
  vars: VarMap;
  children: Set<string>;
  parents: Set<string>;
  /** Hosts listed directly under this group. */
  hosts: Set<string>;
}

export interface HostDef {
  name: string;
  /** Variables written in the inventory itself (the lowest host-level precedence). */
  vars: VarMap;
  /** The inventory file that declared it first (for inventory_dir/inventory_file). */
  file: string;
}

export const ALL = 'all';
export const UNGROUPED = 'ungrouped';

export class InventoryModel {
  readonly groups = new Map<string, GroupDef>();
  readonly hosts = new Map<string, HostDef>();

  constructor() {
    this.group(ALL);
    this.group(UNGROUPED);
    this.link(ALL, UNGROUPED);
  }

  group(name: string): GroupDef {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: {}, children: new Set(), parents: new Set(), hosts: new Set() };
      this.groups.set(name, group);
    }
    return group;
  }

  link(parent: string, child: string): void {
    this.group(parent).children.add(child);
    this.group(child).parents.add(parent);
  }

  host(name: string, file: string): HostDef {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: {}, file };
      this.hosts.set(name, host);
    }
    return host;
  }
}
