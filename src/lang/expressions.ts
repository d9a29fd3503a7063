import { ExpressionError } from './expression-error';
import type { Origin } from './expression-error';
import { FILTERS, FILTERS_ACCEPTING_UNDEFINED } from './filters';
import { FUNCTIONS } from './functions';
import { callMethod } from './methods';
import { ParseError, parseExpression } from './parser';
import type { Node } from './parser';
import { TESTS, contains } from './tests';
import { variableView } from './variable-view';
import { Callable, EvalError, Undefined, UndefinedUse, deepEqual, defined, hasOwn, ownProperty, toText, truthy, typeName } from './values';
import type { Vars } from '../data/vars';

/**
 * The safe expression language of `when`, `until`, `changed_when`, `failed_when`, `assert`
 * and `{{ }}` values: Jinja2's expression syntax (comparisons, and/or/not, in, `is` tests,
 * `|` filters, attribute and index access, arithmetic, the global functions `range` and
 * `lookup`/`query`), evaluated by walking a parsed tree.
 * Nothing here can call eval or Function, or reach a JavaScript prototype.
 */

export { ExpressionError } from './expression-error';
export type { Origin } from './expression-error';

export type Condition = string | boolean | Array<string | boolean>;

const MAX_CACHED = 10000;
const EXPRESSION_ORIGIN: Origin = { file: '<expression>' };
const parsed = new Map<string, Node>();

/** Parses (cached by source text: the same `when` runs for every host and loop item). */
export function compileExpression(expression: string, origin?: Origin): Node {
  const cached = parsed.get(expression);
  if (cached) return cached;
  try {
    const tree = parseExpression(expression);
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(expression, tree);
    return tree;
  } catch (err) {
    if (err instanceof ParseError) throw new ExpressionError(`syntax error: ${err.message}`, expression, { column: err.pos + 1, origin });
    throw err;
  }
}

/** Evaluates an expression to its value (a list stays a list); `{{ }}` around it is accepted. */
export function evaluate(expression: string, vars: Readonly<Vars>, origin?: Origin): unknown {
  const source = unwrapMustache(expression);
  const tree = compileExpression(source, origin);
  return new Evaluator(source, variableView(vars, origin ?? EXPRESSION_ORIGIN), origin).result(tree);
}

/**
 * A parsed expression's value with variables that are already a template's view (the Jinja2
 * renderer parses once and evaluates per loop item, in its own scopes).
 */
export function evaluateTree(tree: Node, source: string, vars: Readonly<Vars>, origin?: Origin): unknown {
  return new Evaluator(source, vars, origin).result(tree);
}

/** A `when`-style condition: a boolean, an expression, or a list of them that must all hold. */
export function evaluateCondition(condition: Condition, vars: Readonly<Vars>, origin?: Origin): boolean {
  if (Array.isArray(condition)) return condition.every((c) => evaluateCondition(c, vars, origin));
  if (typeof condition === 'boolean') return condition;
  if (typeof condition !== 'string') throw new ExpressionError(`a condition must be a string or a boolean, not ${typeName(condition)}`, String(condition), { origin });
  const source = unwrapMustache(condition);
  const evaluator = new Evaluator(source, variableView(vars, origin ?? EXPRESSION_ORIGIN), origin);
  return evaluator.guard(compileExpression(source, origin), (tree) => truthy(evaluator.eval(tree)));
}

/** Whether a text is one `{{ expr }}` and nothing else; returns the inner expression. */
export function singleMustache(text: string): string | undefined {
  const m = /^\s*\{\{(?!\{)([\s\S]*?)\}\}\s*$/.exec(text);
  return m && !m[1].includes('{{') && !m[1].includes('}}') ? m[1].trim() : undefined;
}

function unwrapMustache(text: string): string {
  return singleMustache(text) ?? text.trim();
}

class Evaluator {
  constructor(
    private readonly source: string,
    private readonly vars: Readonly<Vars>,
    private readonly origin: Origin | undefined,
  ) {}

  result(tree: Node): unknown {
    return this.guard(tree, (t) => defined(this.eval(t)));
  }

  /** Runs an evaluation, turning internal failures into one ExpressionError with the column. */
  guard<T>(tree: Node, run: (tree: Node) => T): T {
    try {
      return run(tree);
    } catch (err) {
      if (err instanceof ExpressionError) throw err;
      if (err instanceof UndefinedUse) {
        throw new ExpressionError(`'${err.variable}' is undefined`, this.source, { variable: err.variable, origin: this.origin });
      }
      if (err instanceof EvalError || err instanceof RangeError || err instanceof TypeError) {
        throw new ExpressionError(err.message, this.source, { origin: this.origin, column: (err as { pos?: number }).pos });
      }
      throw err;
    }
  }

  eval(node: Node): unknown {
    try {
      return this.evalNode(node);
    } catch (err) {
      if (err instanceof EvalError && (err as { pos?: number }).pos === undefined) Object.assign(err, { pos: node.pos + 1 });
      throw err;
    }
  }

  private evalNode(node: Node): unknown {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'name':
        return hasOwn(this.vars, node.name) ? this.vars[node.name] : new Undefined(node.name);
      case 'member':
        return this.member(this.eval(node.object), node.property, node.object);
      case 'index':
        return this.member(this.eval(node.object), this.key(defined(this.eval(node.index))), node.object);
      case 'slice':
        return this.slice(node);
      case 'call':
        return callMethod(defined(this.eval(node.object)), node.method, node.args.map((a) => defined(this.eval(a))));
      case 'function':
        return this.function(node);
      case 'list':
        return node.items.map((item) => defined(this.eval(item)));
      case 'dict':
        return Object.fromEntries(node.entries.map(([k, v]) => [String(defined(this.eval(k))), defined(this.eval(v))]));
      case 'unary':
        return this.unary(node.op, this.eval(node.operand));
      case 'binary':
        return this.binary(node);
      case 'compare':
        return this.compare(node.ops, node.operands);
      case 'filter':
        return this.filter(node);
      case 'test':
        return this.test(node);
      case 'conditional':
        if (truthy(this.eval(node.condition))) return this.eval(node.then);
        return node.otherwise ? this.eval(node.otherwise) : '';
    }
  }

  private member(object: unknown, key: string | number, objectNode: Node): unknown {
    // the first missing link is what the user must define: `a.b.c` with no `a` reports 'a'
    if (object instanceof Undefined) return object;
    if (object === null || object === undefined) return new Undefined(`${describePath(objectNode)}.${key}`);
    return hasOwn(object, key) ? ownProperty(object, key) : new Undefined(`${describePath(objectNode)}.${key}`);
  }

  private key(value: unknown): string | number {
    if (typeof value === 'string' || typeof value === 'number') return value;
    throw new EvalError(`an index must be a string or a number, not ${typeName(value)}`);
  }

  private slice(node: Extract<Node, { type: 'slice' }>): unknown {
    const object = defined(this.eval(node.object));
    const start = node.start ? Number(defined(this.eval(node.start))) : undefined;
    const end = node.end ? Number(defined(this.eval(node.end))) : undefined;
    if (typeof object === 'string' || Array.isArray(object)) return object.slice(start, end);
    throw new EvalError(`cannot slice ${typeName(object)}`);
  }

  private unary(op: string, operand: unknown): unknown {
    if (op === 'not') return !truthy(operand);
    const value = defined(operand);
    if (typeof value !== 'number') throw new EvalError(`unary ${op} needs a number, not ${typeName(value)}`);
    return op === '-' ? -value : value;
  }

  private binary(node: Extract<Node, { type: 'binary' }>): unknown {
    // and/or return an operand, as in Python/Jinja, and do not evaluate the right side when not needed
    if (node.op === 'and') {
      const left = this.eval(node.left);
      return truthy(left) ? this.eval(node.right) : left;
    }
    if (node.op === 'or') {
      const left = this.eval(node.left);
      return truthy(left) ? left : this.eval(node.right);
    }
    return arithmetic(node.op, defined(this.eval(node.left)), defined(this.eval(node.right)));
  }

  private compare(ops: string[], operands: Node[]): boolean {
    let left = defined(this.eval(operands[0]));
    for (let i = 0; i < ops.length; i += 1) {
      const right = defined(this.eval(operands[i + 1]));
      if (!comparison(ops[i], left, right)) return false;
      left = right;
    }
    return true;
  }

  private filter(node: Extract<Node, { type: 'filter' }>): unknown {
    const fn = Object.prototype.hasOwnProperty.call(FILTERS, node.name) ? FILTERS[node.name] : undefined;
    if (!fn) throw new EvalError(`unknown filter '${node.name}'`);
    const input = this.eval(node.input);
    // `x | default(y)`'s fallback may be undefined too, as in Jinja: only using it is an error
    if (FILTERS_ACCEPTING_UNDEFINED.has(node.name)) return fn(input, node.args.map((a) => this.eval(a)), {});
    const { args, kwargs } = this.arguments(node);
    return fn(defined(input), args, kwargs);
  }

  private function(node: Extract<Node, { type: 'function' }>): unknown {
    const own = hasOwn(this.vars, node.name) ? this.vars[node.name] : undefined;
    if (own instanceof Callable) return own.call(this.arguments(node));
    const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
    if (!fn) throw new EvalError(`unknown function '${node.name}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    const { args, kwargs } = this.arguments(node);
    return fn(args, kwargs, this.vars);
  }

  private arguments(node: { args: Node[]; kwargs: Record<string, Node> }): { args: unknown[]; kwargs: Record<string, unknown> } {
    return {
      args: node.args.map((a) => defined(this.eval(a))),
      kwargs: Object.fromEntries(Object.entries(node.kwargs).map(([k, v]) => [k, defined(this.eval(v))])),
    };
  }

  private test(node: Extract<Node, { type: 'test' }>): boolean {
    const fn = Object.prototype.hasOwnProperty.call(TESTS, node.name) ? TESTS[node.name] : undefined;
    if (!fn) throw new EvalError(`unknown test '${node.name}'`);
    const result = fn(this.eval(node.input), node.args.map((a) => defined(this.eval(a))));
    return node.negated ? !result : result;
  }
}

function describePath(node: Node): string {
  switch (node.type) {
    case 'name':
      return node.name;
    case 'member':
      return `${describePath(node.object)}.${node.property}`;
    case 'index':
      return `${describePath(node.object)}[${node.index.type === 'literal' ? JSON.stringify(node.index.value) : '...'}]`;
    default:
      return 'value';
  }
}

function comparison(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return deepEqual(a, b);
    case '!=':
      return !deepEqual(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    default:
      return ordered(op, a, b);
  }
}

function ordered(op: string, a: unknown, b: unknown): boolean {
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) throw new EvalError(`'${op}' cannot compare ${typeName(a)} and ${typeName(b)}`);
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (op === '~') return `${toText(a)}${toText(b)}`;
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '*' && typeof a === 'string' && typeof b === 'number') return a.repeat(Math.max(0, b));
  if (typeof a !== 'number' || typeof b !== 'number') throw new EvalError(`'${op}' needs numbers, not ${typeName(a)} and ${typeName(b)}`);
  if ((op === '/' || op === '//' || op === '%') && b === 0) throw new EvalError('division by zero');
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '//':
      return Math.floor(a / b);
    case '%':
      return ((a % b) + b) % b;
    default:
      throw new EvalError(`unsupported operator '${op}'`);
  }
}
