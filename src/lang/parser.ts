import { LexError, tokenize } from './lexer';
import type { Token } from './lexer';

/**
 * Recursive-descent parser for the expression language, with Jinja2's precedence (lowest first):
 *   x if c else y  <  or  <  and  <  not  <  comparisons, in, not in  <  ~  <  + -  <  * / // %
 *   <  unary -  <  filters `|` and tests `is`  <  . [] ()  <  literals, names, global calls, ( )
 * It builds a tree; nothing in it can reach JavaScript's eval or Function.
 */

export type Node =
  | { type: 'literal'; value: unknown; pos: number }
  | { type: 'name'; name: string; pos: number }
  | { type: 'member'; object: Node; property: string; pos: number }
  | { type: 'index'; object: Node; index: Node; pos: number }
  | { type: 'slice'; object: Node; start?: Node; end?: Node; pos: number }
  | { type: 'call'; object: Node; method: string; args: Node[]; pos: number }
  | { type: 'function'; name: string; args: Node[]; kwargs: Record<string, Node>; pos: number }
  | { type: 'list'; items: Node[]; pos: number }
  | { type: 'dict'; entries: Array<[Node, Node]>; pos: number }
  | { type: 'unary'; op: 'not' | '-' | '+'; operand: Node; pos: number }
  | { type: 'binary'; op: string; left: Node; right: Node; pos: number }
  | { type: 'compare'; ops: string[]; operands: Node[]; pos: number }
  | { type: 'filter'; name: string; input: Node; args: Node[]; kwargs: Record<string, Node>; pos: number }
  | { type: 'test'; name: string; negated: boolean; input: Node; args: Node[]; pos: number }
  | { type: 'conditional'; condition: Node; then: Node; otherwise?: Node; pos: number };

export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const LITERAL_NAMES: Record<string, unknown> = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null,
  null: null,
};
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parseExpression(source: string): Node {
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch (err) {
    if (err instanceof LexError) throw new ParseError(err.message, err.pos);
    throw err;
  }
  return new Parser(tokens).parseAll();
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Node {
    if (this.peek().kind === 'eof') throw new ParseError('empty expression', 0);
    const node = this.conditional();
    const rest = this.peek();
    if (rest.kind !== 'eof') throw new ParseError(`unexpected '${rest.text}'`, rest.pos);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.i += 1;
    return token;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private isName(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.text === text;
  }

  private expectOp(text: string): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw new ParseError(`expected '${text}' but found ${describe(t)}`, t.pos);
    return t;
  }

  private expectName(what: string): Token {
    const t = this.next();
    if (t.kind !== 'name') throw new ParseError(`expected ${what} but found ${describe(t)}`, t.pos);
    return t;
  }

  private conditional(): Node {
    const then = this.or();
    if (!this.isName('if')) return then;
    const pos = this.next().pos;
    const condition = this.or();
    const otherwise = this.isName('else') ? (this.next(), this.conditional()) : undefined;
    return { type: 'conditional', condition, then, otherwise, pos };
  }

  private or(): Node {
    let left = this.and();
    while (this.isName('or')) {
      const pos = this.next().pos;
      left = { type: 'binary', op: 'or', left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isName('and')) {
      const pos = this.next().pos;
      left = { type: 'binary', op: 'and', left, right: this.not(), pos };
    }
    return left;
  }

  private not(): Node {
    if (this.isName('not')) {
      const pos = this.next().pos;
      return { type: 'unary', op: 'not', operand: this.not(), pos };
    }
    return this.comparison();
  }

  private comparison(): Node {
    const first = this.concat();
    const ops: string[] = [];
    const operands = [first];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && COMPARISONS.has(t.text)) ops.push(this.next().text);
      else if (this.isName('in')) ops.push(this.next().text);
      else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        ops.push('not in');
      } else break;
      operands.push(this.concat());
    }
    return ops.length ? { type: 'compare', ops, operands, pos: first.pos } : first;
  }

  private concat(): Node {
    return this.binaryLevel(['~'], () => this.additive());
  }

  private additive(): Node {
    return this.binaryLevel(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): Node {
    return this.binaryLevel(['*', '/', '//', '%'], () => this.unary());
  }

  private binaryLevel(ops: string[], operand: () => Node): Node {
    let left = operand();
    while (this.peek().kind === 'op' && ops.includes(this.peek().text)) {
      const t = this.next();
      left = { type: 'binary', op: t.text, left, right: operand(), pos: t.pos };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      return { type: 'unary', op: t.text as '-' | '+', operand: this.unary(), pos: t.pos };
    }
    return this.filtered();
  }

  private filtered(): Node {
    let node = this.postfix(this.primary());
    for (;;) {
      if (this.isOp('|')) {
        const pos = this.next().pos;
        const name = this.expectName('a filter name').text;
        const { args, kwargs } = this.isOp('(') ? this.callArguments() : { args: [], kwargs: {} };
        node = { type: 'filter', name, input: node, args, kwargs, pos };
      } else if (this.isName('is')) {
        const pos = this.next().pos;
        const negated = this.isName('not') ? (this.next(), true) : false;
        const name = this.expectName('a test name').text;
        const args = this.testArguments();
        node = { type: 'test', name, negated, input: node, args, pos };
      } else {
        return node;
      }
    }
  }

  /** `x is divisibleby(3)`, `x is divisibleby 3` and `x is sameas none`: Jinja allows one bare argument. */
  private testArguments(): Node[] {
    if (this.isOp('(')) return this.callArguments().args;
    const t = this.peek();
    const startsOperand = t.kind === 'number' || t.kind === 'string' || (t.kind === 'name' && !['and', 'or', 'if', 'else', 'is', 'in', 'not'].includes(t.text));
    return startsOperand ? [this.postfix(this.primary())] : [];
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        const t = this.next();
        const property = this.next();
        if (property.kind !== 'name' && property.kind !== 'number') throw new ParseError(`expected an attribute name after '.' but found ${describe(property)}`, property.pos);
        if (this.isOp('(')) node = { type: 'call', object: node, method: property.text, args: this.callArguments().args, pos: property.pos };
        else node = { type: 'member', object: node, property: property.text, pos: t.pos };
      } else if (this.isOp('[')) {
        const pos = this.next().pos;
        node = this.subscript(node, pos);
      } else {
        return node;
      }
    }
  }

  private subscript(object: Node, pos: number): Node {
    const start = this.isOp(':') ? undefined : this.conditional();
    if (start && this.isOp(']')) {
      this.next();
      return { type: 'index', object, index: start, pos };
    }
    this.expectOp(':');
    const end = this.isOp(']') ? undefined : this.conditional();
    this.expectOp(']');
    return { type: 'slice', object, start, end, pos };
  }

  private callArguments(): { args: Node[]; kwargs: Record<string, Node> } {
    this.expectOp('(');
    const args: Node[] = [];
    const kwargs: Record<string, Node> = {};
    while (!this.isOp(')')) {
      if (this.peek().kind === 'name' && this.peek(1).kind === 'op' && this.peek(1).text === '=') {
        const name = this.next().text;
        this.next();
        kwargs[name] = this.conditional();
      } else {
        args.push(this.conditional());
      }
      if (!this.isOp(')')) this.expectOp(',');
    }
    this.next();
    return { args, kwargs };
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { type: 'literal', value: t.value, pos: t.pos };
      case 'string':
        return { type: 'literal', value: t.text, pos: t.pos };
      case 'name':
        if (Object.prototype.hasOwnProperty.call(LITERAL_NAMES, t.text)) return { type: 'literal', value: LITERAL_NAMES[t.text], pos: t.pos };
        if (this.isOp('(')) return { type: 'function', name: t.text, ...this.callArguments(), pos: t.pos };
        return { type: 'name', name: t.text, pos: t.pos };
      case 'op':
        if (t.text === '(') return this.parenthesized(t.pos);
        if (t.text === '[') return { type: 'list', items: this.sequence(']'), pos: t.pos };
        if (t.text === '{') return this.dict(t.pos);
        throw new ParseError(`unexpected '${t.text}'`, t.pos);
      default:
        throw new ParseError('unexpected end of expression', t.pos);
    }
  }

  /** `(x)` is x; `(a, b)`, `(a,)` and `()` are tuples, which behave as lists here. */
  private parenthesized(pos: number): Node {
    if (this.isOp(')')) return (this.next(), { type: 'list', items: [], pos });
    const first = this.conditional();
    if (!this.isOp(',')) return (this.expectOp(')'), first);
    this.next();
    return { type: 'list', items: [first, ...this.sequence(')')], pos };
  }

  private sequence(close: string): Node[] {
    const items: Node[] = [];
    while (!this.isOp(close)) {
      items.push(this.conditional());
      if (!this.isOp(close)) this.expectOp(',');
    }
    this.next();
    return items;
  }

  private dict(pos: number): Node {
    const entries: Array<[Node, Node]> = [];
    while (!this.isOp('}')) {
      const key = this.conditional();
      this.expectOp(':');
      entries.push([key, this.conditional()]);
      if (!this.isOp('}')) this.expectOp(',');
    }
    this.next();
    return { type: 'dict', entries, pos };
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  return t.kind === 'string' ? `the string '${t.text}'` : `'${t.text}'`;
}
