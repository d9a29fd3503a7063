import { ModuleFailure } from '../module';
import { fromLines, toLines } from './text-lines';

const KEY = /(?:^|\s)((?:ssh-|ecdsa-|sk-)[\w@.-]+)\s+([A-Za-z0-9+/]+={0,3})(?:\s|$)/;

/** A key's identity is its type and blob: options and comment may change without it being another key. */
export function keyIdentity(line: string): string | undefined {
  const match = KEY.exec(line);
  return match ? `${match[1]} ${match[2]}` : undefined;
}

/** The key lines of a `key:` argument (one or many, like Ansible), each checked to be a public key. */
export function parseWantedKeys(key: string): { line: string; id: string }[] {
  return toLines(key)
    .lines.map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const id = keyIdentity(line);
      if (id === undefined) throw new ModuleFailure(`not an SSH public key: ${line.slice(0, 40)}...`);
      return { line, id };
    });
}

/** authorized_key's decision: the new content of the authorized_keys file. */
export function editAuthorizedKeys(text: string, key: string, state: 'present' | 'absent', exclusive: boolean): string {
  const wanted = parseWantedKeys(key);
  const doc = toLines(text);
  const wantedIds = new Set(wanted.map((k) => k.id));
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const line of doc.lines) {
    const id = keyIdentity(line);
    if (id === undefined) {
      lines.push(line);
    } else if (wantedIds.has(id)) {
      if (state === 'present' && !seen.has(id)) lines.push(wanted.find((k) => k.id === id)?.line as string);
      seen.add(id);
    } else if (!(state === 'present' && exclusive)) {
      lines.push(line);
    }
  }
  const appended = state === 'present' ? wanted.filter((k) => !seen.has(k.id)).map((k) => k.line) : [];
  return fromLines({ ...doc, lines: [...lines, ...appended] }, appended.length > 0);
}
