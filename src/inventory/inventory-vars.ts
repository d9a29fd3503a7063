import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadYamlFile } from '../data/yaml-loader';
import type { YamlLoadOptions } from '../data/yaml-loader';
import { InventoryError } from './inventory-error';
import type { VarMap } from './inventory-model';

/**
 * group_vars/ and host_vars/ beside an inventory or a playbook, as Ansible reads them: for a
 * name, the file `<name>`, `<name>.yml`, `<name>.yaml` or `<name>.json`, and/or every such file
 * under the directory `<name>/` (recursively, in sorted order; later files win).
 */

const VAR_FILE_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export class VarsDirectory {
  private readonly entries: Set<string>;
  private readonly loaded = new Map<string, VarMap | undefined>();

  constructor(
    readonly dir: string,
    private readonly options: YamlLoadOptions,
  ) {
    this.entries = new Set(listDir(dir));
  }

  /** The names this directory has variables for (file names without extension, or directory names). */
  names(): string[] {
    const names = new Set<string>();
    for (const entry of this.entries) {
      if (isIgnored(entry)) continue;
      const ext = VAR_FILE_EXTENSIONS.find((e) => e && entry.endsWith(e));
      names.add(ext ? entry.slice(0, -ext.length) : entry);
    }
    return [...names];
  }

  varsFor(name: string): VarMap | undefined {
    if (!this.loaded.has(name)) this.loaded.set(name, this.read(name));
    return this.loaded.get(name);
  }

  private read(name: string): VarMap | undefined {
    const files: string[] = [];
    for (const ext of VAR_FILE_EXTENSIONS) {
      const entry = `${name}${ext}`;
      if (!this.entries.has(entry)) continue;
      const path = join(this.dir, entry);
      if (isDirectory(path)) files.push(...varFilesUnder(path));
      else files.push(path);
    }
    if (files.length === 0) return undefined;
    return Object.assign({}, ...files.map((file) => this.load(file)));
  }

  private load(file: string): VarMap {
    const data = loadYamlFile(file, this.options);
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data)) throw new InventoryError(file, undefined, 'a vars file must be a mapping of variable names to values');
    return data as VarMap;
  }
}

function varFilesUnder(dir: string): string[] {
  return listDir(dir)
    .filter((entry) => !isIgnored(entry))
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (isDirectory(path)) return varFilesUnder(path);
      return VAR_FILE_EXTENSIONS.some((ext) => (ext ? entry.endsWith(ext) : !entry.includes('.'))) ? [path] : [];
    });
}

/** Hidden files and editor leftovers are never vars files. */
function isIgnored(entry: string): boolean {
  return entry.startsWith('.') || entry.endsWith('~') || entry.endsWith('.swp') || entry.endsWith('.bak') || entry.endsWith('.orig');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
