import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LabError } from './exec';

/**
 * The Debian mirror the machine itself uses (so a proxy or local mirror set up for apt works for
 * debootstrap too): the first source that serves bookworm, from deb822 .sources files or the
 * one-line sources.list. PLAY_LAB_MIRROR overrides.
 */
export function debianMirror(aptDir = '/etc/apt'): string {
  if (process.env.PLAY_LAB_MIRROR) return process.env.PLAY_LAB_MIRROR;
  for (const file of sourceFiles(aptDir)) {
    const text = readFileSync(file, 'utf8');
    const found = file.endsWith('.sources') ? fromDeb822(text) : fromOneLine(text);
    if (found) return found;
  }
  throw new LabError(`no Debian bookworm mirror in ${aptDir}/sources.list(.d); set PLAY_LAB_MIRROR=http://deb.debian.org/debian`);
}

function sourceFiles(aptDir: string): string[] {
  const listDir = path.join(aptDir, 'sources.list.d');
  let entries: string[] = [];
  try {
    entries = readdirSync(listDir).filter((f) => f.endsWith('.sources') || f.endsWith('.list')).sort();
  } catch {
    // No sources.list.d: only the classic file.
  }
  const classic = path.join(aptDir, 'sources.list');
  return [...entries.map((f) => path.join(listDir, f)), classic].filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
}

function fromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string[] =>
      (new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1] ?? '').split(/\s+/).filter(Boolean);
    if (field('Types').includes('deb') && field('Suites').includes('bookworm')) return field('URIs')[0];
  }
  return undefined;
}

function fromOneLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
    if (words[0] === 'deb' && words[2] === 'bookworm') return words[1];
  }
  return undefined;
}
