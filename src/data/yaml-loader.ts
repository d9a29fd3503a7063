import { readFileSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, Pair, ScalarTag, Tags, YAMLError } from 'yaml';
import { decryptVault, isVaulted, VaultError, type VaultPasswords } from '../vault';
import type { Redactor } from './redaction';
import { unsafeText } from './unsafe-text';

/**
 * YAML as Ansible users expect it. Ansible reads YAML 1.1 (PyYAML), so we do too:
 * - yes/no/on/off/true/false (any case style PyYAML accepts) are booleans; unlike the `yaml`
 *   library's 1.1 schema, y/n are NOT (PyYAML treats them as strings, and `y:` is a common key);
 * - an octal-looking number (`0644`) is kept as the string "0644", exactly as written: in
 *   playbooks such numbers are file modes, and the modules read a mode from its digits (the
 *   number 420 that YAML 1.1 would give could not be told apart from a decimal 420);
 * - `<<` merge keys work;
 * - dates stay strings (a task argument like `2024-01-01` must not turn into a Date).
 * Whole-file vaults and `!vault |` scalars are decrypted at load, so a wrong password fails
 * before any host is touched; each decrypted value is registered in the run's Redactor.
 * `!unsafe` scalars are never templated (unsafe-text.ts).
 */

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface YamlLoadOptions {
  vault?: VaultPasswords;
  secrets?: Redactor;
}

export class YamlError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${formatLocation(file, line, column)}: ${detail}`);
    this.name = 'YamlError';
  }
}

export function formatLocation(file: string, line?: number, column?: number): string {
  return [file, line, column].filter((part) => part !== undefined).join(':');
}

const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const BOOL_TAG = 'tag:yaml.org,2002:bool';
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';
const INT_TAG = 'tag:yaml.org,2002:int';

/** Where parsed mappings and sequences came from: the object itself, and each of its keys. */
const locations = new WeakMap<object, { at: SourceLocation; keys: Map<string | number, SourceLocation> }>();

/**
 * The source location of a parsed mapping or sequence (a task, a play...), or of one of its
 * keys/items; undefined for values that were not parsed from YAML (or were copied since).
 */
export function locate(value: unknown, key?: string | number): SourceLocation | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entry = locations.get(value);
  if (!entry) return undefined;
  return key === undefined ? entry.at : (entry.keys.get(key) ?? entry.at);
}

export function parseYaml(text: string, file: string, opts: YamlLoadOptions = {}): unknown {
  const source = isVaulted(text) ? decryptWholeFile(text, file, opts) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, {
    version: '1.1',
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
    lineCounter,
    customTags: (tags) => ansibleTags(tags, opts),
  });
  const decrypted = source !== text;
  const parserProblem = doc.errors[0] && { offset: doc.errors[0].pos[0], detail: describeParserError(doc.errors[0], decrypted) };
  const ourProblem = structureProblem(doc.contents);
  const problem = ourProblem && (!parserProblem || ourProblem.offset < parserProblem.offset) ? ourProblem : parserProblem;
  if (problem) throw toYamlError(problem, file, lineCounter);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    throw new YamlError(file, (err as Error).message);
  }
  if (doc.contents) recordLocations(doc.contents, value, file, lineCounter);
  if (decrypted) opts.secrets?.addAll(value, 'vault');
  return value;
}

export function loadYamlFile(path: string, opts: YamlLoadOptions = {}): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new YamlError(path, `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseYaml(text, path, opts);
}

/** The parsed value plus the line lookup the runner uses for messages like `roles/nginx/tasks/main.yml:12`. */
export function loadYamlDocument(path: string, opts: YamlLoadOptions = {}): { value: unknown; lineOf(obj: unknown, key?: string | number): SourceLocation | undefined } {
  return { value: loadYamlFile(path, opts), lineOf: locate };
}

function decryptWholeFile(text: string, file: string, opts: YamlLoadOptions): string {
  try {
    return decryptVault(text, opts.vault).toString('utf8');
  } catch (err) {
    if (err instanceof VaultError) throw new YamlError(file, `vault: ${err.message}`);
    throw err;
  }
}

function ansibleTags(tags: Tags, opts: YamlLoadOptions): Tags {
  const adjusted: Tags = [];
  for (const t of tags) {
    if (typeof t === 'string' || t.tag === TIMESTAMP_TAG) continue;
    if (t.tag === BOOL_TAG && 'test' in t && t.test) adjusted.push({ ...t, test: t.test.test('yes') ? PYYAML_TRUE : PYYAML_FALSE });
    else if (t.tag === INT_TAG && 'test' in t && isOctalTest(t.test)) adjusted.push({ ...(t as ScalarTag), resolve: (source: string) => source });
    else adjusted.push(t);
  }
  return [...adjusted, vaultTag(opts), UNSAFE_TAG];
}

const UNSAFE_TAG: ScalarTag = { tag: '!unsafe', resolve: unsafeText };

/** The YAML 1.1 octal integer tag is the int tag that accepts `0644` but not `9`. */
function isOctalTest(test: RegExp | undefined): boolean {
  return !!test && test.test('0644') && !test.test('9');
}

function vaultTag(opts: YamlLoadOptions): ScalarTag {
  return {
    tag: '!vault',
    resolve(text: string, onError: (message: string) => void): string {
      try {
        const plain = decryptVault(text, opts.vault).toString('utf8');
        opts.secrets?.add(plain, 'vault');
        return plain;
      } catch (err) {
        onError(`vault: ${(err as Error).message}`);
        return '';
      }
    },
  };
}

interface Problem {
  offset: number;
  detail: string;
}

/**
 * The parser's message without its source excerpt. Some messages also quote a token; of a
 * decrypted vault file only the kind of error is told, as its text may be a secret.
 */
function describeParserError(error: YAMLError, decrypted: boolean): string {
  return decrypted ? `syntax error (${error.code})` : error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
}

function toYamlError(problem: Problem, file: string, lineCounter: LineCounter): YamlError {
  const pos = lineCounter.linePos(problem.offset);
  return new YamlError(file, problem.detail, pos.line, pos.col);
}

/**
 * One walk over the parsed tree, in document order, for what the `yaml` library reports too
 * late, too slowly or with the value in the message:
 * - a duplicate key (its own check compares each key with every earlier one: 40,000 keys took 20 s);
 * - an alias with no anchor before it (its message quotes the alias: in a vault file, that is
 *   a password that happens to start with `*`);
 * - an alias inside the node it names, a cycle that would overflow the stack wherever the value is used.
 * Messages name the place, never the text.
 */
function structureProblem(root: unknown): Problem | undefined {
  const anchors = new Map<string, Node>();
  const enclosing = new Set<Node>();
  const visit = (node: unknown): Problem | undefined => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const offset = node.range?.[0] ?? 0;
      if (!target) return { offset, detail: 'alias to an anchor that is not defined before it' };
      return enclosing.has(target) ? { offset, detail: 'alias to a node that contains it (a value cannot include itself)' } : undefined;
    }
    if (!isNode(node)) return undefined;
    if (node.anchor) anchors.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) return undefined;
    enclosing.add(node);
    const problem = isMap(node) ? visitPairs(node.items) : firstProblem(node.items);
    enclosing.delete(node);
    return problem;
  };
  const firstProblem = (nodes: readonly unknown[]): Problem | undefined => {
    for (const node of nodes) {
      const problem = visit(node);
      if (problem) return problem;
    }
    return undefined;
  };
  const visitPairs = (pairs: ReadonlyArray<Pair<unknown, unknown>>): Problem | undefined => {
    const keys = new Set<unknown>();
    for (const { key, value } of pairs) {
      // the library's comparison: scalar key values by ===, so NaN is never a duplicate
      if (isScalar(key) && !Number.isNaN(key.value)) {
        if (keys.has(key.value)) return { offset: key.range?.[0] ?? 0, detail: 'Map keys must be unique' };
        keys.add(key.value);
      }
      const problem = firstProblem([key, value]);
      if (problem) return problem;
    }
    return undefined;
  };
  return visit(root);
}

function recordLocations(node: unknown, value: unknown, file: string, lineCounter: LineCounter): void {
  if (value === null || typeof value !== 'object' || isAlias(node)) return;
  const at = (n: Node): SourceLocation => {
    const pos = lineCounter.linePos(n.range?.[0] ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  if (isMap(node)) {
    const keys = new Map<string | number, SourceLocation>();
    locations.set(value, { at: at(node), keys });
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      keys.set(key, at(pair.key));
      recordLocations(pair.value, (value as Record<string, unknown>)[key], file, lineCounter);
    }
  } else if (isSeq(node)) {
    const keys = new Map<string | number, SourceLocation>();
    locations.set(value, { at: at(node), keys });
    node.items.forEach((item, i) => {
      if (item && typeof item === 'object' && 'range' in item) keys.set(i, at(item as Node));
      recordLocations(item, (value as unknown[])[i], file, lineCounter);
    });
  }
}
