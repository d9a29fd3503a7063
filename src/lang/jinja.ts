import { ExpressionError } from './expression-error';
import type { Origin } from './expression-error';
import { evaluateTree } from './expressions';
import { ANSIBLE_WHITESPACE, TemplateSyntaxError } from './jinja-lexer';
import type { WhitespaceOptions } from './jinja-lexer';
import { parseTemplate } from './jinja-parser';
import type { Expr, Stmt } from './jinja-parser';
import { pythonText } from './python-text';
import { TemplateError, lineWithin } from './template-error';
import { Callable, EvalError, Undefined, isMapping, truthy, typeName } from './values';
import type { Vars } from '../data/vars';

/**
 * Renders a Jinja2 template as Ansible's template module does: a missing variable is an error
 * (Ansible's StrictUndefined-like undefined) naming the template file and line; `None` prints
 * nothing; the trailing newlines of the source are kept (Ansible re-adds those Jinja2 drops).
 */

const MAX_CACHED = 2000;
const parsed = new Map<string, Compiled>();

interface Compiled {
  stmts: Stmt[];
  /** Lines before the parsed text: a `#jinja2:` header, which Ansible removes before Jinja2 sees the rest. */
  headerLines: number;
}

/** Parses (cached by source); a syntax error is a TemplateError with the template's line. */
export function compileJinja(source: string, origin: Origin): Compiled {
  let compiled = parsed.get(source);
  if (!compiled) {
    const { options, body, headerLines } = splitOverrides(source, origin);
    try {
      compiled = { stmts: parseTemplate(jinjaSource(body), options), headerLines };
    } catch (err) {
      if (err instanceof TemplateSyntaxError) throw new TemplateError(`syntax error: ${err.message}`, lineWithin(origin, err.line + headerLines));
      throw err;
    }
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(source, compiled);
  }
  return compiled;
}

/** Renders with `vars` already the templated view of the variables. */
export function renderJinja(source: string, vars: Readonly<Vars>, origin: Origin): string {
  const { stmts, headerLines } = compileJinja(source, origin);
  const out: string[] = [];
  new Renderer(lineWithin(origin, 1 + headerLines)).body(stmts, frame(vars), out);
  const text = out.join('');
  const missing = trailingNewlines(source) - trailingNewlines(text);
  return missing > 0 ? text + '\n'.repeat(missing) : text;
}

const OVERRIDE_HEADER = '#jinja2:';
const OVERRIDABLE: Record<string, keyof WhitespaceOptions> = { trim_blocks: 'trimBlocks', lstrip_blocks: 'lstripBlocks' };

/** Ansible's `#jinja2: trim_blocks:False, lstrip_blocks:True` first line, which sets Jinja2's options for that template. */
function splitOverrides(source: string, origin: Origin): { options: WhitespaceOptions; body: string; headerLines: number } {
  if (!source.startsWith(OVERRIDE_HEADER)) return { options: ANSIBLE_WHITESPACE, body: source, headerLines: 0 };
  const eol = source.indexOf('\n');
  const header = source.slice(OVERRIDE_HEADER.length, eol < 0 ? undefined : eol);
  const options = { ...ANSIBLE_WHITESPACE };
  for (const pair of header.split(',')) {
    const [key, value] = [pair.slice(0, pair.indexOf(':')).trim(), pair.slice(pair.indexOf(':') + 1).trim()];
    if (!Object.prototype.hasOwnProperty.call(OVERRIDABLE, key) || !['True', 'False'].includes(value)) {
      throw new TemplateError(`syntax error: unsupported #jinja2 override '${pair.trim()}' (supported: trim_blocks, lstrip_blocks, set to True or False)`, lineWithin(origin, 1));
    }
    options[OVERRIDABLE[key]] = value === 'True';
  }
  return { options, body: eol < 0 ? '' : source.slice(eol + 1), headerLines: 1 };
}

/** Jinja2 without keep_trailing_newline drops one final newline of the source before lexing. */
function jinjaSource(source: string): string {
  return source.replace(/\r?\n$/, '');
}

function trailingNewlines(text: string): number {
  return /\n*$/.exec(text)![0].length;
}

interface Frame {
  locals: Record<string, unknown>;
  vars: Readonly<Vars>;
}

/** A scope: its own names (loop variables, `set`, macro arguments) over the enclosing scope's. */
function frame(parent: Readonly<Vars>): Frame {
  const locals: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const own = (key: string | symbol) => Object.prototype.hasOwnProperty.call(locals, key);
  const vars = new Proxy(locals, {
    get: (target, key) => (own(key) ? target[key as string] : Reflect.get(parent, key)),
    has: (_target, key) => own(key) || key in parent,
    getOwnPropertyDescriptor: (target, key) => {
      if (own(key)) return Reflect.getOwnPropertyDescriptor(target, key);
      if (!Object.prototype.hasOwnProperty.call(parent, key)) return undefined;
      return { value: Reflect.get(parent, key), writable: true, enumerable: true, configurable: true };
    },
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(parent), ...Reflect.ownKeys(target)])],
  });
  return { locals, vars };
}

class Renderer {
  constructor(private readonly origin: Origin) {}

  body(stmts: readonly Stmt[], scope: Frame, out: string[]): void {
    for (const stmt of stmts) this.statement(stmt, scope, out);
  }

  private statement(stmt: Stmt, scope: Frame, out: string[]): void {
    switch (stmt.type) {
      case 'text':
        out.push(stmt.text);
        return;
      case 'output':
        out.push(pythonText(this.value(stmt.expr, scope)));
        return;
      case 'if': {
        const branch = stmt.branches.find((b) => this.holds(b.test, scope));
        return this.body(branch ? branch.body : stmt.otherwise, scope, out);
      }
      case 'for':
        return this.loop(stmt, scope, out);
      case 'set':
        return this.at(stmt.value, () => assign(scope, stmt.targets, this.value(stmt.value, scope)));
      case 'set_block':
        scope.locals[stmt.name] = this.capture(stmt.body, scope);
        return;
      case 'macro':
        scope.locals[stmt.name] = this.macro(stmt, scope);
        return;
    }
  }

  private loop(stmt: Extract<Stmt, { type: 'for' }>, scope: Frame, out: string[]): void {
    const { iterable: expr, targets } = stmt;
    const all = this.at(expr, () => iterable(this.value(expr, scope)));
    const scoped = (item: unknown) => this.at(expr, () => withTargets(scope, targets, item));
    const items = stmt.filter ? all.filter((item) => this.holds(stmt.filter!, scoped(item))) : all;
    if (items.length === 0) return this.body(stmt.otherwise, scope, out);
    items.forEach((item, index0) => {
      const inner = scoped(item);
      inner.locals.loop = {
        index: index0 + 1,
        index0,
        revindex: items.length - index0,
        revindex0: items.length - index0 - 1,
        first: index0 === 0,
        last: index0 === items.length - 1,
        length: items.length,
        ...(index0 > 0 ? { previtem: items[index0 - 1] } : {}),
        ...(index0 < items.length - 1 ? { nextitem: items[index0 + 1] } : {}),
      };
      this.body(stmt.body, inner, out);
    });
  }

  private macro(stmt: Extract<Stmt, { type: 'macro' }>, scope: Frame): Callable {
    return new Callable(({ args, kwargs }) => {
      const inner = frame(scope.vars);
      stmt.params.forEach((param, i) => {
        if (i < args.length) inner.locals[param.name] = args[i];
        else if (Object.prototype.hasOwnProperty.call(kwargs, param.name)) inner.locals[param.name] = kwargs[param.name];
        else inner.locals[param.name] = param.fallback ? this.value(param.fallback, inner) : new Undefined(param.name);
      });
      return this.capture(stmt.body, inner);
    });
  }

  private capture(stmts: readonly Stmt[], scope: Frame): string {
    const out: string[] = [];
    this.body(stmts, scope, out);
    return out.join('');
  }

  private holds(expr: Expr, scope: Frame): boolean {
    return truthy(this.value(expr, scope));
  }

  private value(expr: Expr, scope: Frame): unknown {
    return this.at(expr, () => evaluateTree(expr.tree, expr.tag, scope.vars));
  }

  /** Runs what a tag does; its failures become TemplateErrors at the tag's line. */
  private at<T>(expr: Expr, run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (err instanceof ExpressionError) throw new TemplateError(`${err.detail} in ${expr.tag}`, lineWithin(this.origin, expr.line), err.variable);
      if (err instanceof EvalError) throw new TemplateError(`${err.message} in ${expr.tag}`, lineWithin(this.origin, expr.line));
      throw err;
    }
  }
}

function withTargets(scope: Frame, targets: readonly string[], item: unknown): Frame {
  const inner = frame(scope.vars);
  assign(inner, targets, item);
  return inner;
}

function assign(scope: Frame, targets: readonly string[], value: unknown): void {
  if (targets.length === 1) {
    scope.locals[targets[0]] = value;
    return;
  }
  if (!Array.isArray(value) || value.length !== targets.length) {
    throw new EvalError(`cannot unpack ${typeName(value)} into ${targets.length} names (${targets.join(', ')})`);
  }
  targets.forEach((name, i) => (scope.locals[name] = value[i]));
}

/** What `for` walks: a list, a string's characters, a dict's keys (as Python does). */
function iterable(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (isMapping(value)) return Object.keys(value);
  throw new EvalError(`${typeName(value)} is not iterable`);
}
