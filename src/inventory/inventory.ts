import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Redactor } from '../data/redaction';
import { parseYaml } from '../data/yaml-loader';
import { isVaulted } from '../vault';
import type { VaultPasswords } from '../vault';
import { matchPattern } from './host-patterns';
import type { PatternMatch } from './host-patterns';
import { InventoryError } from './inventory-error';
import { ALL, InventoryModel, UNGROUPED } from './inventory-model';
import type { GroupDef, VarMap } from './inventory-model';
import { parseInventoryData } from './inventory-parse';
import { VarsDirectory } from './inventory-vars';

export { InventoryError } from './inventory-error';
export type { PatternMatch } from './host-patterns';

export interface InventoryOptions {
  vault?: VaultPasswords;
  secrets?: Redactor;
  /** The playbook's directory: its group_vars/ and host_vars/ win over the inventory's. */
  playbookDir?: string;
}

const INVENTORY_EXTENSIONS = new Set(['.yml', '.yaml']);
const VARS_DIRS = new Set(['group_vars', 'host_vars']);
const GROUP_PRIORITY = 'ansible_group_priority';

/**
 * Loads YAML inventories (files, or directories of .yml/.yaml files), merged in the order given,
 * with the group_vars/ and host_vars/ beside each source and beside the playbook.
 */
export function loadInventory(sources: string[], opts: InventoryOptions = {}): Inventory {
  const model = new InventoryModel();
  const varsDirs: string[] = [];
  for (const source of sources) {
    const path = resolve(source);
    const files = inventoryFiles(path);
    for (const file of files) parseInventoryData(readInventoryFile(file, opts), file, model);
    const dir = isDirectory(path) ? path : dirname(path);
    if (!varsDirs.includes(dir)) varsDirs.push(dir);
  }
  const playbookDir = opts.playbookDir ? resolve(opts.playbookDir) : undefined;
  return new Inventory(model, varsDirs, playbookDir && !varsDirs.includes(playbookDir) ? playbookDir : undefined, opts);
}

// `[group]` alone at the start of a line: Ansible's INI format, which would otherwise fail as a
// puzzling YAML error (in YAML such a line can only be a top-level list: never an inventory;
// indented `[section]` lines inside block scalars, e.g. a my.cnf in a variable, do not count)
const INI_SECTION = /^\[[^\]]+\]\s*$/m;

function readInventoryFile(file: string, opts: InventoryOptions): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError(file, undefined, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isVaulted(text) && INI_SECTION.test(text)) throw new InventoryError(file, undefined, 'this looks like an INI inventory; only YAML inventories are supported');
  return parseYaml(text, file, opts);
}

function inventoryFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InventoryError(path, undefined, 'inventory source not found');
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .filter((entry) => !entry.startsWith('.') && !VARS_DIRS.has(entry) && INVENTORY_EXTENSIONS.has(extname(entry)))
    .sort()
    .map((entry) => join(path, entry))
    .filter((file) => !isDirectory(file));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

interface VarsLayer {
  groupVars: VarsDirectory;
  hostVars: VarsDirectory;
}

export class Inventory {
  private readonly hostOrder: string[];
  private readonly groupDepth = new Map<string, number>();
  private readonly groupsOfHost = new Map<string, Set<string>>();
  private readonly inventoryLayers: VarsLayer[];
  private readonly playbookLayers: VarsLayer[];
  private readonly hostVarsCache = new Map<string, VarMap>();
  private readonly groupHostsCache = new Map<string, string[]>();
  private groupMapCache: Record<string, string[]> | undefined;

  constructor(
    private readonly model: InventoryModel,
    inventoryDirs: string[],
    playbookDir: string | undefined,
    opts: InventoryOptions,
  ) {
    const layer = (dir: string): VarsLayer => ({ groupVars: new VarsDirectory(join(dir, 'group_vars'), opts), hostVars: new VarsDirectory(join(dir, 'host_vars'), opts) });
    this.inventoryLayers = inventoryDirs.map(layer);
    this.playbookLayers = playbookDir ? [layer(playbookDir)] : [];
    this.hostOrder = [...model.hosts.keys()];
    this.placeUngrouped();
    this.computeDepths();
    for (const host of this.hostOrder) this.groupsOfHost.set(host, this.ancestorsOf(host));
    // vars files are read now, so a bad file or a wrong vault password fails at load, before any host is touched
    for (const host of this.hostOrder) this.hostVars(host);
  }

  hosts(): string[] {
    return [...this.hostOrder];
  }

  groups(): string[] {
    return [...this.model.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.model.hosts.has(name);
  }

  /** The groups a host belongs to, directly or through child groups, `all` included. */
  groupsOf(host: string): string[] {
    return [...(this.groupsOfHost.get(host) ?? [])].sort((a, b) => this.compareGroups(a, b));
  }

  /** Every host of a group (its child groups included), in inventory order. */
  hostsOf(group: string): string[] {
    const cached = this.groupHostsCache.get(group);
    if (cached) return cached;
    const hosts = group === ALL ? this.hosts() : this.hostOrder.filter((h) => this.groupsOfHost.get(h)?.has(group));
    this.groupHostsCache.set(group, hosts);
    return hosts;
  }

  select(pattern: string): string[] {
    return this.match(pattern).hosts;
  }

  /** The hosts of a pattern plus the parts of it that matched nothing. */
  match(pattern: string): PatternMatch {
    return matchPattern(pattern, this);
  }

  /**
   * A host's variables by Ansible's precedence (lowest first):
   * inventory-file group vars (all, then parents before children by depth, then
   * ansible_group_priority, then name) < group_vars/all beside the inventory < beside the
   * playbook < group_vars/<group> beside the inventory < beside the playbook < inventory-file
   * host vars < host_vars beside the inventory < beside the playbook; then the magic variables.
   */
  hostVars(host: string): VarMap {
    const cached = this.hostVarsCache.get(host);
    if (cached) return { ...cached };
    const def = this.model.hosts.get(host);
    if (!def) throw new InventoryError('<inventory>', host, `unknown host "${host}"`);
    const groups = this.groupsOf(host);
    const others = groups.filter((g) => g !== ALL);
    const fromDirs = (layers: VarsLayer[], kind: 'groupVars' | 'hostVars', names: string[]): VarMap[] =>
      layers.flatMap((layer) => names.map((name) => layer[kind].varsFor(name) ?? {}));
    const vars: VarMap = Object.assign(
      {},
      ...groups.map((g) => this.model.groups.get(g)?.vars ?? {}),
      ...fromDirs(this.inventoryLayers, 'groupVars', [ALL]),
      ...fromDirs(this.playbookLayers, 'groupVars', [ALL]),
      ...fromDirs(this.inventoryLayers, 'groupVars', others),
      ...fromDirs(this.playbookLayers, 'groupVars', others),
      def.vars,
      ...fromDirs(this.inventoryLayers, 'hostVars', [host]),
      ...fromDirs(this.playbookLayers, 'hostVars', [host]),
      {
        inventory_hostname: host,
        inventory_hostname_short: host.split('.')[0],
        group_names: others.slice().sort(),
        groups: this.groupMap(),
        inventory_dir: dirname(def.file),
        inventory_file: def.file,
      },
    );
    this.hostVarsCache.set(host, vars);
    return { ...vars };
  }

  /** `groups` as templates see it: every group name to its hosts. */
  groupMap(): Record<string, string[]> {
    // shared by every host's variables, so frozen: no task can change another host's view of it
    this.groupMapCache ??= Object.freeze(Object.fromEntries(this.groups().map((g) => [g, Object.freeze([...this.hostsOf(g)]) as string[]])));
    return this.groupMapCache;
  }

  private ancestorsOf(host: string): Set<string> {
    const found = new Set<string>([ALL]);
    const visit = (group: GroupDef): void => {
      if (found.has(group.name) && group.name !== ALL) return;
      found.add(group.name);
      for (const parent of group.parents) visit(this.model.group(parent));
    };
    for (const group of this.model.groups.values()) if (group.hosts.has(host)) visit(group);
    return found;
  }

  /** Ansible puts hosts that belong to no group but `all` into `ungrouped`. */
  private placeUngrouped(): void {
    const ungrouped = this.model.group(UNGROUPED);
    for (const host of this.hostOrder) {
      const inNamedGroup = [...this.model.groups.values()].some((g) => g.name !== ALL && g.name !== UNGROUPED && g.hosts.has(host));
      if (inNamedGroup) ungrouped.hosts.delete(host);
      else ungrouped.hosts.add(host);
    }
    this.model.group(ALL).hosts.clear();
  }

  /** Depth of a group: all is 0, its children 1, and so on (the longest path from all). */
  private computeDepths(): void {
    const depth = (name: string, seen: string[]): number => {
      const known = this.groupDepth.get(name);
      if (known !== undefined) return known;
      if (seen.includes(name)) throw new InventoryError('<inventory>', name, `group cycle: ${[...seen, name].join(' -> ')}`);
      const parents = [...this.model.group(name).parents];
      const value = name === ALL ? 0 : parents.length ? Math.max(...parents.map((p) => depth(p, [...seen, name]))) + 1 : 1;
      this.groupDepth.set(name, value);
      return value;
    };
    for (const name of this.model.groups.keys()) depth(name, []);
  }

  private compareGroups(a: string, b: string): number {
    const byDepth = (this.groupDepth.get(a) ?? 0) - (this.groupDepth.get(b) ?? 0);
    if (byDepth) return byDepth;
    const byPriority = priorityOf(this.model.groups.get(a)) - priorityOf(this.model.groups.get(b));
    return byPriority || (a < b ? -1 : a > b ? 1 : 0);
  }
}

function priorityOf(group: GroupDef | undefined): number {
  const value = group?.vars[GROUP_PRIORITY];
  return typeof value === 'number' ? value : 1;
}
