import { FILTERS } from './filters';
import { FUNCTIONS } from './functions';
import { lookupProblem } from './lookups';
import type { Node } from './parser';
import { TESTS } from './tests';

/**
 * The first filter, test, function or lookup plugin an expression names that play does not have
 * (as a message), so `--syntax-check` reports it instead of the run that reaches it. A template
 * passes its macros, which it calls like functions.
 */
export function unknownCallable(tree: Node, macros: ReadonlySet<string> = new Set()): string | undefined {
  const own = problemOf(tree, macros);
  if (own) return own;
  for (const child of children(tree)) {
    const problem = unknownCallable(child, macros);
    if (problem) return problem;
  }
  return undefined;
}

function problemOf(node: Node, macros: ReadonlySet<string>): string | undefined {
  switch (node.type) {
    case 'filter':
      return has(FILTERS, node.name) ? undefined : `unknown filter '${node.name}'`;
    case 'test':
      return has(TESTS, node.name) ? undefined : `unknown test '${node.name}'`;
    case 'function': {
      if (macros.has(node.name)) return undefined;
      if (!has(FUNCTIONS, node.name)) return `unknown function '${node.name}' (known: ${Object.keys(FUNCTIONS).join(', ')})`;
      const plugin = ['lookup', 'query', 'q'].includes(node.name) ? node.args[0] : undefined;
      return plugin?.type === 'literal' && typeof plugin.value === 'string' ? lookupProblem(plugin.value) : undefined;
    }
    default:
      return undefined;
  }
}

function has(table: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, name);
}

/** The sub-expressions of a node, whatever its type. */
function children(node: Node): Node[] {
  return Object.values(node).flatMap((value) => nodesIn(value));
}

function nodesIn(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(nodesIn);
  if (value === null || typeof value !== 'object') return [];
  if ('type' in value && 'pos' in value) return [value as Node];
  return Object.values(value).flatMap(nodesIn);
}
