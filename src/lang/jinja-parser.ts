import { compileExpression } from './expressions';
import { ExpressionError } from './expression-error';
import { TemplateSyntaxError, splitTemplate } from './jinja-lexer';
import type { Piece, WhitespaceOptions } from './jinja-lexer';
import { tokenize } from './lexer';
import type { Token } from './lexer';
import type { Node } from './parser';

/**
 * Jinja2's statements over play's own expression language: every expression inside `{{ }}` and
 * `{% %}` is parsed by the same parser as YAML values and `when:`, so a template sees exactly the
 * filters, tests and lookups a playbook does.
 */

export interface Expr {
  tree: Node;
  /** The tag it was written in (`{{ x }}`, `{% if x %}`), for messages. */
  tag: string;
  line: number;
}

export type Stmt =
  | { type: 'text'; text: string }
  | { type: 'output'; expr: Expr }
  | { type: 'if'; branches: Array<{ test: Expr; body: Stmt[] }>; otherwise: Stmt[] }
  | { type: 'for'; targets: string[]; iterable: Expr; filter?: Expr; body: Stmt[]; otherwise: Stmt[]; line: number }
  | { type: 'set'; targets: string[]; value: Expr }
  | { type: 'set_block'; name: string; body: Stmt[] }
  | { type: 'macro'; name: string; params: Array<{ name: string; fallback?: Expr }>; body: Stmt[] };

/** Statements that only wrap their body here: blocks render in place (there is no `extends` to override them). */
const WRAPPERS: Record<string, string> = { block: 'endblock' };
/** Keywords that only continue or close a statement: met anywhere else, they are misplaced. */
const CLOSERS = new Set(['elif', 'else', 'endif', 'endfor', 'endset', 'endmacro', 'endblock']);

export function parseTemplate(source: string, options?: WhitespaceOptions): Stmt[] {
  return new TemplateParser(splitTemplate(source, options)).parseAll();
}

class TemplateParser {
  private i = 0;

  constructor(private readonly pieces: Piece[]) {}

  parseAll(): Stmt[] {
    return this.body([]).body;
  }

  /** Statements until one whose keyword is in `ends` (returned, consumed) or the end of the template. */
  private body(ends: string[]): { body: Stmt[]; end?: { keyword: string; rest: string; line: number } } {
    const body: Stmt[] = [];
    while (this.i < this.pieces.length) {
      const piece = this.pieces[this.i++];
      if (piece.kind === 'text') body.push({ type: 'text', text: piece.text });
      else if (piece.kind === 'output') body.push({ type: 'output', expr: expression(piece.source, `{{ ${piece.source} }}`, piece.line) });
      else {
        const [, keyword = '', rest = ''] = /^(\w*)\s*([\s\S]*)$/.exec(piece.source) ?? [];
        if (ends.includes(keyword)) return { body, end: { keyword, rest, line: piece.line } };
        body.push(...this.statement(keyword, rest, piece.line));
      }
    }
    return { body };
  }

  private closed(ends: string[], opener: string, line: number): { body: Stmt[]; keyword: string; rest: string; line: number } {
    const { body, end } = this.body(ends);
    if (!end) throw new TemplateSyntaxError(`'{% ${opener} %}' is never closed (expected ${ends.map((e) => `'{% ${e} %}'`).join(' or ')})`, line);
    return { body, keyword: end.keyword, rest: end.rest, line: end.line };
  }

  private statement(keyword: string, rest: string, line: number): Stmt[] {
    switch (keyword) {
      case 'if':
        return [this.ifStatement(rest, line)];
      case 'for':
        return [this.forStatement(rest, line)];
      case 'set':
        return [this.setStatement(rest, line)];
      case 'macro':
        return [this.macroStatement(rest, line)];
      default:
        if (CLOSERS.has(keyword)) throw new TemplateSyntaxError(`unexpected '{% ${keyword} %}'`, line);
        if (Object.prototype.hasOwnProperty.call(WRAPPERS, keyword)) return this.closed([WRAPPERS[keyword]], keyword, line).body;
        throw new TemplateSyntaxError(`unknown or unsupported statement '{% ${keyword} %}'`, line);
    }
  }

  private ifStatement(rest: string, line: number): Stmt {
    const branches: Array<{ test: Expr; body: Stmt[] }> = [];
    let test = expression(rest, `{% if ${rest} %}`, line);
    for (;;) {
      const part = this.closed(['elif', 'else', 'endif'], 'if', line);
      branches.push({ test, body: part.body });
      if (part.keyword === 'endif') return { type: 'if', branches, otherwise: [] };
      if (part.keyword === 'else') return { type: 'if', branches, otherwise: this.closed(['endif'], 'else', part.line).body };
      test = expression(part.rest, `{% elif ${part.rest} %}`, part.line);
    }
  }

  private forStatement(rest: string, line: number): Stmt {
    const tokens = tokensOf(rest, line);
    const inAt = topLevel(tokens, (t) => t.kind === 'name' && t.text === 'in');
    if (inAt < 0) throw new TemplateSyntaxError(`'{% for %}' needs 'in': {% for ${rest} %}`, line);
    const targets = names(tokens.slice(0, inAt), rest, line);
    const afterIn = tokens.slice(inAt + 1);
    const ifAt = topLevel(afterIn, (t) => t.kind === 'name' && t.text === 'if');
    const tag = `{% for ${rest} %}`;
    const iterable = expression(rest.slice(afterIn[0].pos, ifAt < 0 ? undefined : afterIn[ifAt].pos), tag, line);
    const filter = ifAt < 0 ? undefined : expression(rest.slice(afterIn[ifAt].pos + 2), tag, line);
    const part = this.closed(['else', 'endfor'], 'for', line);
    const otherwise = part.keyword === 'else' ? this.closed(['endfor'], 'else', part.line).body : [];
    return { type: 'for', targets, iterable, filter, body: part.body, otherwise, line };
  }

  private setStatement(rest: string, line: number): Stmt {
    const tokens = tokensOf(rest, line);
    const eqAt = topLevel(tokens, (t) => t.kind === 'op' && t.text === '=');
    if (eqAt >= 0) return { type: 'set', targets: names(tokens.slice(0, eqAt), rest, line), value: expression(rest.slice(tokens[eqAt].pos + 1), `{% set ${rest} %}`, line) };
    const [name] = names(tokens.slice(0, -1), rest, line);
    return { type: 'set_block', name, body: this.closed(['endset'], 'set', line).body };
  }

  private macroStatement(rest: string, line: number): Stmt {
    // `name(a, b=1)` is a call in the expression grammar: its arguments are the parameters
    const tag = `{% macro ${rest} %}`;
    const signature = expression(rest, tag, line).tree;
    if (signature.type !== 'function' || !signature.args.every((a) => a.type === 'name')) {
      throw new TemplateSyntaxError(`'{% macro %}' needs a name and parameters: {% macro ${rest} %}`, line);
    }
    const params = [
      ...signature.args.map((a) => ({ name: (a as Extract<Node, { type: 'name' }>).name })),
      ...Object.entries(signature.kwargs).map(([name, tree]) => ({ name, fallback: { tree, tag, line } })),
    ];
    return { type: 'macro', name: signature.name, params, body: this.closed(['endmacro'], 'macro', line).body };
  }
}

function expression(source: string, tag: string, line: number): Expr {
  try {
    return { tree: compileExpression(source), tag, line };
  } catch (err) {
    if (err instanceof ExpressionError) throw new TemplateSyntaxError(err.message, line);
    throw err;
  }
}

function tokensOf(source: string, line: number): Token[] {
  try {
    return tokenize(source);
  } catch (err) {
    throw new TemplateSyntaxError(`${(err as Error).message} in {% ${source} %}`, line);
  }
}

/** The index of the first token outside brackets that matches, or -1. */
function topLevel(tokens: Token[], match: (t: Token) => boolean): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i];
    if (t.kind === 'op' && '([{'.includes(t.text)) depth += 1;
    else if (t.kind === 'op' && ')]}'.includes(t.text)) depth -= 1;
    else if (depth === 0 && match(t)) return i;
  }
  return -1;
}

/** `a` or `a, b` (a for loop's or a set's targets); `(a, b)` is accepted too. */
function names(tokens: Token[], source: string, line: number): string[] {
  const inner = tokens.filter((t) => !(t.kind === 'op' && '()'.includes(t.text)));
  const result = inner.filter((_, i) => i % 2 === 0);
  const valid = inner.length % 2 === 1 && result.every((t) => t.kind === 'name') && inner.every((t, i) => i % 2 === 0 || (t.kind === 'op' && t.text === ','));
  if (!valid) throw new TemplateSyntaxError(`expected a name or names separated by ',' in {% ${source} %}`, line);
  return result.map((t) => t.text);
}
