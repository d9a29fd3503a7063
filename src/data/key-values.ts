const KEY_VALUE = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)/y;

/**
 * `key=value key2="a b"` as Ansible reads it in free-form module arguments and `-e`. Returns the
 * unreadable rest of the text when something in it is not a key=value pair.
 */
export function parseKeyValues(text: string): { values: Record<string, string> } | { unreadable: string } {
  const values: Record<string, string> = {};
  let rest = text.trim();
  while (rest.length > 0) {
    KEY_VALUE.lastIndex = 0;
    const match = KEY_VALUE.exec(rest);
    if (!match) return { unreadable: rest };
    const value = match[2];
    values[match[1]] = /^["']/.test(value) ? value.slice(1, -1) : value;
    rest = rest.slice(match[0].length).trimStart();
  }
  return { values };
}
