import { q } from '../support/shell';

/**
 * apt's one-line sources (sources.list and sources.list.d/*.list), read and rewritten the way
 * Ansible's apt_repository does, so that the files it leaves are byte for byte the ones
 * ansible-core leaves: every line is parsed into (enabled, source, comment) and written back
 * normalized (`# ` before a disabled line, whitespace inside a source collapsed).
 */

export const SOURCES_LIST = '/etc/apt/sources.list';
export const SOURCES_PARTS = '/etc/apt/sources.list.d';

const SOURCE_TYPES = ['deb', 'deb-src'];

export interface SourceLine {
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

/** Ansible's SourcesList._parse. */
export function parseSourceLine(raw: string): SourceLine {
  let line = raw.trim();
  let enabled = true;
  let comment = '';
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const hash = line.indexOf('#');
  if (hash > 0) {
    comment = line.slice(hash + 1).trim();
    line = line.slice(0, hash);
  }
  let source = line.trim();
  let valid = false;
  if (source) {
    const chunks = source.split(/\s+/);
    if (SOURCE_TYPES.includes(chunks[0])) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  return { valid, enabled, source, comment };
}

/** The repository a task names, as apt_repository compares it: a valid, enabled source line. */
export function repoSource(repo: string): string {
  const parsed = parseSourceLine(repo);
  if (!parsed.valid || !parsed.enabled) throw new Error(`Invalid repository string: ${repo.trim()} (a line like 'deb [options] URI suite [components]')`);
  return parsed.source;
}

/**
 * The file a new repository goes to when `filename` is not given (SourcesList._suggest_filename):
 * `deb [arch=amd64] https://user:pw@nginx.org/packages/debian bookworm nginx` → nginx_org_packages_debian.list.
 */
export function suggestFilename(source: string, filename?: string): string {
  if (filename !== undefined) return `${filename}.list`;
  const line = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const parts = line.split(/\s+/).filter((part) => part !== '' && !SOURCE_TYPES.includes(part));
  const first = (parts[0] ?? '').includes('@') ? parts[0].split('@').slice(1).join('@') : (parts[0] ?? '');
  return `${first.replace(/[^a-zA-Z0-9]/g, ' ').split(/\s+/).filter((w) => w !== '').join('_')}.list`;
}

/** A bare file name goes to sources.list.d; one with a slash is taken as written. */
export function expandSourcesPath(file: string): string {
  return file.includes('/') ? file : `${SOURCES_PARTS}/${file}`;
}

/** Parsed lines per file, in the order apt reads them. */
export type SourcesFiles = Map<string, SourceLine[]>;

export function parseSourcesFiles(contents: Map<string, string>): SourcesFiles {
  const files: SourcesFiles = new Map();
  for (const [path, text] of contents) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    files.set(path, lines.map(parseSourceLine));
  }
  return files;
}

/** SourcesList.dump: the text of each file that has lines (an emptied file is deleted on save). */
export function dumpSources(files: SourcesFiles): Map<string, string> {
  const dump = new Map<string, string>();
  for (const [path, lines] of files) {
    if (lines.length === 0) continue;
    dump.set(
      path,
      lines.map((l) => `${l.enabled ? '' : '# '}${l.source}${l.comment ? ` # ${l.comment}` : ''}\n`).join(''),
    );
  }
  return dump;
}

function cloneFiles(files: SourcesFiles): SourcesFiles {
  return new Map([...files].map(([path, lines]) => [path, lines.map((l) => ({ ...l }))]));
}

export interface SourcesEdit {
  files: SourcesFiles;
  /** Files a line was appended to: a task's `mode` applies to these only, as in Ansible. */
  added: Set<string>;
}

/**
 * state: present. A source already listed anywhere (even commented out) is enabled where it is;
 * otherwise it is appended to `file` (a name under sources.list.d, or a path).
 */
export function addSource(files: SourcesFiles, source: string, file: string): SourcesEdit {
  const next = cloneFiles(files);
  let found = false;
  for (const lines of next.values()) {
    for (const line of lines) {
      if (line.valid && line.source === source) {
        line.enabled = true;
        found = true;
      }
    }
  }
  const added = new Set<string>();
  if (!found) {
    const path = expandSourcesPath(file);
    next.set(path, [...(next.get(path) ?? []), { valid: true, enabled: true, source, comment: '' }]);
    added.add(path);
  }
  return { files: next, added };
}

/** state: absent. Every enabled line of the source is deleted (not commented out), in every file. */
export function removeSource(files: SourcesFiles, source: string): SourcesEdit {
  const next: SourcesFiles = new Map(
    [...files].map(([path, lines]) => [path, lines.filter((l) => !(l.valid && l.enabled && l.source === source))]),
  );
  return { files: next, added: new Set() };
}

/** Every one-line sources file with its mode and content, in one round trip. */
export function sourcesProbeCommand(): string {
  return [
    `for f in ${q(SOURCES_LIST)} ${q(SOURCES_PARTS)}/*.list; do`,
    `  [ -f "$f" ] || continue`,
    `  printf 'file\\t%s\\t%s\\t' "$f" "$(stat -c %a -- "$f")"; base64 -w0 < "$f"; echo`,
    'done',
  ].join('\n');
}

export interface SourcesFileProbe {
  mode: string;
  content: string;
}

export function parseSourcesProbe(stdout: string): Map<string, SourcesFileProbe> {
  const found = new Map<string, SourcesFileProbe>();
  for (const line of stdout.split('\n')) {
    const [tag, path, mode, content] = line.split('\t');
    if (tag !== 'file' || content === undefined) continue;
    found.set(path, { mode: mode.padStart(4, '0'), content: Buffer.from(content, 'base64').toString('utf8') });
  }
  return found;
}
