import { ModuleFailure } from '../module';
import { fromLines, toLines } from './text-lines';

const KEY = /(?:^|\s)((?:ssh-|ecdsa-|sk-)[\w@.-]+)\s+([A-Za-z0-9+/]+={0,3})(?:\s|$)/;

/** Where a key line's key (type, blob, comment) starts, after any options. */
function findKey(line: string): { id: string; start: number } | undefined {
  const match = KEY.exec(line);
  return match ? { id: `${match[1]} ${match[2]}`, start: line.indexOf(match[1], match.index) } : undefined;
}

/** A key's identity is its type and blob: options and comment may change without it being another key. */
export function keyIdentity(line: string): string | undefined {
  return findKey(line)?.id;
}

/** One sshd option: a name, or name="value" (a value may hold commas, spaces and \" escapes). */
const OPTION = '[A-Za-z0-9-]+(?:="(?:[^"\\\\]|\\\\.)*")?';
const OPTION_LIST = new RegExp(`^${OPTION}(?:\\s*,\\s*${OPTION})*$`);
const EACH_OPTION = new RegExp(OPTION, 'g');

/**
 * `key_options` in the form sshd reads before the key (`from="10.0.0.0/8",no-agent-forwarding`),
 * with the spaces people put after commas dropped; undefined when it is not that form (an
 * unquoted space or an open quote would turn the rest of the line into garbage for sshd).
 */
export function normalizeKeyOptions(options: string): string | undefined {
  const trimmed = options.trim();
  if (trimmed === '') return '';
  return OPTION_LIST.test(trimmed) ? (trimmed.match(EACH_OPTION) ?? []).join(',') : undefined;
}

/**
 * The key lines of a `key:` argument (one or many, like Ansible), each checked to be a public key.
 * With `keyOptions` (normalized), those options replace any the line has, as Ansible's key_options.
 */
export function parseWantedKeys(key: string, keyOptions?: string): { line: string; id: string }[] {
  return toLines(key)
    .lines.map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const key = findKey(line);
      if (key === undefined) throw new ModuleFailure(`not an SSH public key: ${line.slice(0, 40)}...`);
      if (keyOptions === undefined) return { line, id: key.id };
      const keyAndComment = line.slice(key.start);
      return { line: keyOptions === '' ? keyAndComment : `${keyOptions} ${keyAndComment}`, id: key.id };
    });
}

/** authorized_key's decision: the new content of the authorized_keys file. */
export function editAuthorizedKeys(text: string, key: string, state: 'present' | 'absent', exclusive: boolean, keyOptions?: string): string {
  const wanted = parseWantedKeys(key, keyOptions);
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
