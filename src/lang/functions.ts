import { lookup } from './lookups';
import { EvalError, typeName } from './values';

/**
 * The global functions of the expression language (`range(3)`, `lookup('file', 'motd')`), a
 * fixed allow-list like the filters. They receive the variables because lookups resolve paths
 * against `role_path` and `playbook_dir`.
 */
export type GlobalFunction = (args: unknown[], kwargs: Record<string, unknown>, vars: Readonly<Record<string, unknown>>) => unknown;

/** Jinja's sandbox limit: a bigger range is a typo or an attack, not a loop anyone wants. */
export const MAX_RANGE = 100000;

function integer(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new EvalError(`range() ${what} must be an integer, not ${typeName(value)}${typeof value === 'number' ? ` ${value}` : ''}`);
}

/** Python's range(end) / range(start, end[, step]), as a list. */
function range(args: unknown[]): number[] {
  if (args.length < 1 || args.length > 3) throw new EvalError(`range() takes 1 to 3 arguments, got ${args.length}`);
  const [start, end, step] = args.length === 1 ? [0, integer(args[0], 'end'), 1] : [integer(args[0], 'start'), integer(args[1], 'end'), args.length === 3 ? integer(args[2], 'step') : 1];
  if (step === 0) throw new EvalError('range() step must not be zero');
  const size = Math.max(0, Math.ceil((end - start) / step));
  if (size > MAX_RANGE) throw new EvalError(`range() of ${size} items is more than the ${MAX_RANGE} allowed`);
  return Array.from({ length: size }, (_, i) => start + i * step);
}

export const FUNCTIONS: Record<string, GlobalFunction> = {
  range: (args) => range(args),
  lookup: (args, kwargs, vars) => lookup(args, kwargs, vars, kwargs.wantlist === true),
  query: (args, kwargs, vars) => lookup(args, kwargs, vars, true),
  q: (args, kwargs, vars) => lookup(args, kwargs, vars, true),
};
