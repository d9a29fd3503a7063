/**
 * A PAM service file (/etc/pam.d/<name>) edited as community.general's pamd module edits it:
 * its doubly linked list of lines, matching and insertion rules are reproduced, quirks included
 * (every rule line is rewritten as `type(padded to 11) control path args`, comments between the
 * matched rule and its neighbour rule are dropped by `before`/`after`, an indented comment makes
 * the file invalid, a `# Updated by Ansible - <time>` mark goes on the second line).
 */

export const PAM_TYPES = ['account', '-account', 'auth', '-auth', 'password', '-password', 'session', '-session'] as const;

const SIMPLE_CONTROLS = ['required', 'requisite', 'sufficient', 'optional', 'include', 'substack', 'definitive'];
const CONTROL_VALUES = [
  'success', 'open_err', 'symbol_err', 'service_err', 'system_err', 'buf_err', 'perm_denied', 'auth_err', 'cred_insufficient',
  'authinfo_unavail', 'user_unknown', 'maxtries', 'new_authtok_reqd', 'acct_expired', 'session_err', 'cred_unavail', 'cred_expired',
  'cred_err', 'no_module_data', 'conv_err', 'authtok_err', 'authtok_recover_err', 'authtok_lock_busy', 'authtok_disable_aging',
  'try_again', 'ignore', 'abort', 'authtok_expired', 'module_unknown', 'bad_item', 'conv_again', 'incomplete', 'default',
];
const CONTROL_ACTIONS = ['ignore', 'bad', 'die', 'ok', 'done', 'reset'];

// Python's `.` stops only at \n (JS's also at \r, \u2028, \u2029): spelled out to match the same text.
const RULE_REGEX = /(-?(?:auth|account|session|password))\s+(\[[^\n]*\]|\S*)\s+(\S*)\s*([^\n]*)\s*/;
const RULE_ARG_REGEX = /(\[[^\n]*\]|\S*)/g;
// The line breaks of Python's str.splitlines().
const LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/;

/** A file the module finds invalid: the message is the module's. */
export class InvalidPamd extends Error {}
/** A line the module crashes on (it then gives no message of its own). */
export class UnreadablePamd extends InvalidPamd {}

/** Python's split() with one separator, then `a, b = ...`: exactly two parts or a failure. */
function splitPair(text: string, what: string): [string, string] {
  const parts = text.split('=');
  if (parts.length !== 2) throw new UnreadablePamd(`cannot split ${what} '${text}' into name=value`);
  return [parts[0], parts[1]];
}

/** parse_module_arguments: each item cut into `[...]` groups and words. */
export function parseModuleArguments(args: string | string[] | undefined): string[] {
  if (args === undefined) return [];
  const list = Array.isArray(args) ? args : [args];
  if (list.length === 1 && !list[0]) return [];
  return list.flatMap((arg) => [...arg.matchAll(RULE_ARG_REGEX)].map((m) => m[1]).filter((item) => item !== ''));
}

abstract class Line {
  prev: Line | null = null;
  next: Line | null = null;
  abstract text(): string;
  /** The module's validate(): `undefined` when valid, else its message. */
  abstract invalid(): string | undefined;
  matches(_type: string, _control: string, _path: string): boolean {
    return false;
  }
}

class PlainLine extends Line {
  constructor(
    readonly line: string,
    readonly kind: 'empty' | 'comment' | 'include',
  ) {
    super();
  }
  text(): string {
    return this.line;
  }
  invalid(): string | undefined {
    const valid = this.kind === 'comment' ? this.line.startsWith('#') : this.kind === 'include' ? this.line.startsWith('@include') : this.line.trim() === '';
    return valid ? undefined : `Rule is not valid ${this.line}`;
  }
}

class Rule extends Line {
  type: string;
  private controlValue: string | string[] = '';
  args: string[];

  constructor(type: string, control: string, public path: string, args: string | string[] | undefined) {
    super();
    this.type = type;
    this.control = control;
    this.args = parseModuleArguments(args);
  }

  static parse(line: string): Rule {
    const m = RULE_REGEX.exec(line);
    if (!m) throw new UnreadablePamd(`not a PAM rule: ${line}`);
    return new Rule(m[1], m[2], m[3], m[4]);
  }

  get control(): string {
    return Array.isArray(this.controlValue) ? `[${this.controlValue.join(' ')}]` : this.controlValue;
  }

  set control(control: string) {
    this.controlValue = control.startsWith('[') ? control.replaceAll(' = ', '=').replaceAll('[', '').replaceAll(']', '').split(' ') : control;
  }

  matches(type: string, control: string, path: string): boolean {
    return type === this.type && control === this.control && path === this.path;
  }

  text(): string {
    const head = `${this.type.padEnd(11)}${this.control} ${this.path}`;
    return this.args.length > 0 ? `${head} ${this.args.join(' ')}` : head;
  }

  invalid(): string | undefined {
    if (!(PAM_TYPES as readonly string[]).includes(this.type)) return `Rule type, ${this.type}, is not valid in rule ${this.text()}`;
    if (!Array.isArray(this.controlValue)) {
      return SIMPLE_CONTROLS.includes(this.controlValue) ? undefined : `Rule control, ${this.control}, is not valid in rule ${this.text()}`;
    }
    for (const control of this.controlValue) {
      const [value, action] = splitPair(control, 'control');
      if (!CONTROL_VALUES.includes(value)) return `Rule control value, ${value}, is not valid in rule ${this.text()}`;
      if (!CONTROL_ACTIONS.includes(action) && !isUnsignedInt(action)) {
        return `Rule control action, ${action}, is not valid in rule ${this.text()}`;
      }
    }
    return undefined;
  }
}

/** Python's int(text) >= 0 for the texts PAM files hold (digits, a sign, surrounding blanks). */
function isUnsignedInt(text: string): boolean {
  const m = /^\s*([+-]?)(\d+)\s*$/.exec(text);
  return m !== null && (m[1] !== '-' || /^0+$/.test(m[2]));
}

function isCommentOrEmpty(line: Line | null): boolean {
  return line instanceof PlainLine && line.kind !== 'include';
}

export interface PamdRequest {
  state: 'updated' | 'before' | 'after' | 'args_absent' | 'args_present' | 'absent';
  type: string;
  control: string;
  module_path: string;
  new_type?: string;
  new_control?: string;
  new_module_path?: string;
  module_arguments?: string[];
}

class Service {
  private head: Line | null = null;
  private tail: Line | null = null;

  constructor(content: string) {
    const lines = content.split(LINE_BREAK);
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) {
      const start = line.trimStart();
      if (start.startsWith('#')) this.append(new PlainLine(line, 'comment'));
      else if (start.startsWith('@include')) this.append(new PlainLine(line, 'include'));
      else if (line.trim() === '') this.append(new PlainLine(line, 'empty'));
      else this.append(Rule.parse(line));
    }
  }

  private append(line: Line): void {
    if (this.tail === null) this.head = this.tail = line;
    else {
      line.prev = this.tail;
      this.tail.next = line;
      this.tail = line;
    }
  }

  private lines(): Line[] {
    const all: Line[] = [];
    for (let line = this.head; line !== null; line = line.next) all.push(line);
    return all;
  }

  private get(type: string, control: string, path: string): Rule[] {
    return this.lines().filter((line): line is Rule => line instanceof Rule && line.matches(type, control, path));
  }

  remove(r: PamdRequest): number {
    let changes = 0;
    for (let line = this.head; line !== null; line = line.next) {
      if (!line.matches(r.type, r.control, r.module_path)) continue;
      if (line.prev !== null) {
        line.prev.next = line.next;
        if (line.next !== null) line.next.prev = line.prev;
      } else {
        // the module dereferences the next line here: removing a file's only line crashes it
        if (line.next === null) throw new UnreadablePamd('cannot remove the only line of the file');
        this.head = line.next;
        line.next.prev = null;
      }
      changes += 1;
    }
    return changes;
  }

  update(r: PamdRequest): number {
    const newArgs = r.module_arguments === undefined ? undefined : parseModuleArguments(r.module_arguments);
    let changes = 0;
    for (const rule of this.get(r.type, r.control, r.module_path)) {
      let changed = false;
      if (r.new_type && rule.type !== r.new_type) [changed, rule.type] = [true, r.new_type];
      if (r.new_control && rule.control !== r.new_control) [changed, rule.control] = [true, r.new_control];
      if (r.new_module_path && rule.path !== r.new_module_path) [changed, rule.path] = [true, r.new_module_path];
      if (newArgs !== undefined && rule.args.join('\0') !== newArgs.join('\0')) [changed, rule.args] = [true, parseModuleArguments(newArgs)];
      if (changed) changes += 1;
    }
    return changes;
  }

  private newRule(r: PamdRequest): Rule {
    return new Rule(r.new_type ?? '', r.new_control ?? '', r.new_module_path ?? '', r.module_arguments);
  }

  insertBefore(r: PamdRequest): number {
    let changes = 0;
    for (const current of this.get(r.type, r.control, r.module_path)) {
      const rule = this.newRule(r);
      let previous = current.prev;
      while (previous !== null && isCommentOrEmpty(previous)) previous = previous.prev;
      if (previous !== null && !previous.matches(rule.type, r.new_control ?? '', rule.path)) {
        // linked straight to the previous rule: the comments in between are dropped, as the module does
        previous.next = rule;
        rule.prev = previous;
        rule.next = current;
        current.prev = rule;
        changes += 1;
      } else if (previous === null) {
        if (current.prev === null) this.head = rule;
        else current.prev.next = rule;
        rule.prev = current.prev;
        rule.next = current;
        current.prev = rule;
        changes += 1;
      }
    }
    return changes;
  }

  insertAfter(r: PamdRequest): number {
    let changes = 0;
    for (const current of this.get(r.type, r.control, r.module_path)) {
      let next = current.next;
      while (next !== null && isCommentOrEmpty(next)) next = next.next;
      const rule = this.newRule(r);
      if (next !== null && !next.matches(rule.type, r.new_control ?? '', rule.path)) {
        next.prev = rule;
        rule.next = next;
        rule.prev = current;
        current.next = rule;
        changes += 1;
      } else if (next === null) {
        // appended at the file's end and linked from the matched rule: trailing comments are dropped
        rule.prev = this.tail;
        rule.next = null;
        (this.tail as Line).next = rule;
        this.tail = rule;
        current.next = rule;
        changes += 1;
      }
    }
    return changes;
  }

  addArguments(r: PamdRequest): number {
    const wanted = parseModuleArguments(r.module_arguments);
    let changes = 0;
    for (const rule of this.get(r.type, r.control, r.module_path)) {
      const split = (args: string[]) => {
        const simple = new Set<string>();
        const keyValue = new Map<string, string>();
        for (const arg of args) {
          if (arg.startsWith('[')) continue;
          if (arg.includes('=')) {
            const [key, value] = splitPair(arg, 'argument');
            keyValue.set(key, value);
          } else simple.add(arg);
        }
        return { simple, keyValue };
      };
      const add = split(wanted);
      const have = split(rule.args);
      let changed = false;
      // Ansible adds them in its set's (hash) order; play in the order given
      const missing = [
        ...[...add.simple].filter((arg) => !have.simple.has(arg)),
        ...[...add.keyValue].filter(([key]) => !have.keyValue.has(key)).map(([key, value]) => `${key}=${value}`),
      ];
      if (missing.length > 0) {
        rule.args = parseModuleArguments([...rule.args, ...missing]);
        changed = true;
      }
      for (const [key, value] of add.keyValue) {
        const old = have.keyValue.get(key);
        if (old === undefined || old === value) continue;
        rule.args[rule.args.indexOf(`${key}=${old}`)] = `${key}=${value}`;
        changed = true;
      }
      if (changed) changes += 1;
    }
    return changes;
  }

  removeArguments(r: PamdRequest): number {
    const unwanted = parseModuleArguments(r.module_arguments);
    let changes = 0;
    for (const rule of this.get(r.type, r.control, r.module_path)) {
      if (!rule.args.some((arg) => unwanted.includes(arg))) continue;
      rule.args = rule.args.filter((arg) => !unwanted.includes(arg));
      changes += 1;
    }
    return changes;
  }

  invalid(): string | undefined {
    for (const line of this.lines()) {
      const message = line.invalid();
      if (message !== undefined) return message;
    }
    return undefined;
  }

  render(mark: string): string {
    const lines = this.lines().map((line) => line.text());
    if (lines.length <= 1) lines.unshift('', mark);
    else if (lines[1].startsWith('# Updated by Ansible')) lines[1] = mark;
    else lines.splice(1, 0, mark);
    return lines.join('\n') + '\n';
  }
}

/** Python's datetime.now().isoformat(): local time, microseconds unless zero. */
export function updatedMark(now: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const base = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  const micro = now.getMilliseconds() * 1000;
  return `# Updated by Ansible - ${micro === 0 ? base : `${base}.${pad(micro, 6)}`}`;
}

/**
 * Applies one pamd task to a service file's text: how many rules changed and the new text
 * (undefined when nothing changed: the module then leaves the file alone). InvalidPamd for a
 * file the module finds invalid, UnreadablePamd for one it crashes on.
 */
export function editPamd(content: string, r: PamdRequest, now: Date): { changes: number; text?: string } {
  const service = new Service(content);
  const changes = {
    updated: () => service.update(r),
    before: () => service.insertBefore(r),
    after: () => service.insertAfter(r),
    args_absent: () => service.removeArguments(r),
    args_present: () => service.addArguments(r),
    absent: () => service.remove(r),
  }[r.state]();
  const invalid = service.invalid();
  if (invalid !== undefined) throw new InvalidPamd(invalid);
  return changes > 0 ? { changes, text: service.render(updatedMark(now)) } : { changes };
}
