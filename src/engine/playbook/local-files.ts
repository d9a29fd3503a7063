import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { LocalFileKind } from '../../modules/module';

/** Where `src:` is found: the role's files/ (or templates/, vars/), the role, then the playbook's directory. */
export function resolveLocal(path: string, kind: LocalFileKind, rolePath: string | undefined, playbookDir: string): string {
  if (isAbsolute(path)) return path;
  const bases = [...(rolePath ? [join(rolePath, kind), rolePath] : []), join(playbookDir, kind), playbookDir];
  const candidates = bases.map((base) => join(base, path));
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0];
}
