import { existsSync } from 'node:fs';
import { StampedCache } from '../../base/file-stamp';
import type { VaultPasswords } from '../../vault';
import type { Redactor } from '../../data/redaction';
import { loadYamlFile } from '../../data/yaml-loader';
import { PlaybookError } from './errors';
import type { Origin } from './types';

export interface YamlSourceOptions {
  vault?: VaultPasswords;
  secrets?: Redactor;
}

/*
 * Files already parsed in this run (keyed by its load options), each with the stamp it had then.
 * An include_tasks file is read again each time the include is reached, and once more by the
 * probe look-ahead; parsing dominated that. A file changed since (a task wrote it) is read again.
 * What is kept is shared by every reader: the loaders copy what they take from it, never modify it
 * (it is not frozen: the variable views' Proxy may not render a frozen property).
 */
const parsedFiles = new WeakMap<YamlSourceOptions, StampedCache<unknown>>();

/** Reads the playbook's YAML files with the run's vault passwords; a missing file is reported where it was referenced. */
export class YamlSource {
  constructor(private readonly options: YamlSourceOptions) {}

  read(path: string, referencedAt?: Origin): unknown {
    if (referencedAt && !existsSync(path)) throw new PlaybookError(`file not found: ${path}`, referencedAt);
    let files = parsedFiles.get(this.options);
    if (!files) parsedFiles.set(this.options, (files = new StampedCache()));
    return files.get(path, () => loadYamlFile(path, this.options));
  }

  /** The first of `<base>.yml` / `<base>.yaml` / `<base>` that exists. */
  findYaml(base: string): string | undefined {
    return [`${base}.yml`, `${base}.yaml`, base].find((candidate) => existsSync(candidate) && !candidate.endsWith('/'));
  }
}
