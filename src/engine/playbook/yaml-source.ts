import { existsSync } from 'node:fs';
import type { VaultPasswords } from '../../vault';
import type { Redactor } from '../../data/redaction';
import { loadYamlFile } from '../../data/yaml-loader';
import { PlaybookError } from './errors';
import type { Origin } from './types';

export interface YamlSourceOptions {
  vault?: VaultPasswords;
  secrets?: Redactor;
}

/** Reads the playbook's YAML files with the run's vault passwords; a missing file is reported where it was referenced. */
export class YamlSource {
  constructor(private readonly options: YamlSourceOptions) {}

  read(path: string, referencedAt?: Origin): unknown {
    if (referencedAt && !existsSync(path)) throw new PlaybookError(`file not found: ${path}`, referencedAt);
    return loadYamlFile(path, this.options);
  }

  /** The first of `<base>.yml` / `<base>.yaml` / `<base>` that exists. */
  findYaml(base: string): string | undefined {
    return [`${base}.yml`, `${base}.yaml`, base].find((candidate) => existsSync(candidate) && !candidate.endsWith('/'));
  }
}
