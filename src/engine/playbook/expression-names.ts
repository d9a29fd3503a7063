import { ExpressionError, compileExpression } from '../../lang/expressions';
import { unknownCallable } from '../../lang/unknown-callables';
import type { Node } from '../../lang/parser';
import { HANDLEBARS_ONLY, MUSTACHE } from '../../lang/templates';

const GUARD_TESTS = new Set(['defined', 'undefined', 'none']);
const GUARD_FILTERS = new Set(['default', 'd']);

/**
 * The variables an expression needs: its names, minus those it guards itself (`x is defined`,
 * `x | default(...)` anywhere in it). In a `{{ }}` an expression that does not parse yields
 * nothing (it may be Handlebars: the template engine judges it when it renders); a condition
 * (`when`, `until`...) is always an expression, so there its syntax error is thrown. An unknown
 * filter, test or lookup is an error in both.
 */
export function expressionNames(expression: string, { condition = false } = {}): string[] {
  let tree: Node;
  try {
    tree = compileExpression(expression);
  } catch (err) {
    if (condition) throw err;
    return [];
  }
  const unknown = unknownCallable(tree);
  if (unknown) throw new ExpressionError(unknown, expression);
  const { names, guarded } = namesOf(tree);
  return names.filter((name) => !guarded.includes(name));
}

/** The names a parsed expression reads, and those it guards (`x is defined`, `x | default`). */
export function namesOf(tree: Node): { names: string[]; guarded: string[] } {
  const names = new Set<string>();
  const guarded = new Set<string>();
  walk(tree, names, guarded, false);
  return { names: [...names], guarded: [...guarded] };
}

/** The variables the `{{ }}` of a string need. */
export function templateNames(text: string): string[] {
  if (!text.includes('{{') || HANDLEBARS_ONLY.test(text)) return [];
  return [...text.matchAll(MUSTACHE)].flatMap((match) => expressionNames(match[1].trim()));
}

function walk(node: Node, names: Set<string>, guarded: Set<string>, guarding: boolean): void {
  switch (node.type) {
    case 'name':
      (guarding ? guarded : names).add(node.name);
      return;
    case 'literal':
      return;
    case 'member':
      return walk(node.object, names, guarded, guarding);
    case 'index':
      walk(node.object, names, guarded, guarding);
      return walk(node.index, names, guarded, false);
    case 'slice':
      for (const part of [node.object, node.start, node.end]) if (part) walk(part, names, guarded, guarding && part === node.object);
      return;
    case 'call':
      walk(node.object, names, guarded, guarding);
      return node.args.forEach((arg) => walk(arg, names, guarded, false));
    case 'function':
      node.args.forEach((arg) => walk(arg, names, guarded, false));
      return Object.values(node.kwargs).forEach((arg) => walk(arg, names, guarded, false));
    case 'list':
      return node.items.forEach((item) => walk(item, names, guarded, false));
    case 'dict':
      return node.entries.forEach(([k, v]) => [k, v].forEach((part) => walk(part, names, guarded, false)));
    case 'unary':
      return walk(node.operand, names, guarded, guarding);
    case 'binary':
      walk(node.left, names, guarded, false);
      return walk(node.right, names, guarded, false);
    case 'compare':
      return node.operands.forEach((operand) => walk(operand, names, guarded, false));
    case 'filter':
      walk(node.input, names, guarded, guarding || GUARD_FILTERS.has(node.name));
      node.args.forEach((arg) => walk(arg, names, guarded, false));
      return Object.values(node.kwargs).forEach((arg) => walk(arg, names, guarded, false));
    case 'test':
      walk(node.input, names, guarded, guarding || GUARD_TESTS.has(node.name));
      return node.args.forEach((arg) => walk(arg, names, guarded, false));
    case 'conditional':
      walk(node.condition, names, guarded, false);
      walk(node.then, names, guarded, false);
      if (node.otherwise) walk(node.otherwise, names, guarded, false);
      return;
  }
}
