import { evaluate, evaluateCondition } from '../../lang/expressions';
import { renderTemplateFile, renderValue } from '../../lang/templates';
import type { LoopSpec, Origin } from '../playbook/types';
import type { Vars } from '../../data/vars';

/** The engine's one seam to the expression language and the template engine. */

/** All conditions must hold (Ansible's list form of `when`). */
export function allHold(conditions: readonly string[] | undefined, vars: Vars, origin: Origin): boolean {
  return (conditions ?? []).every((condition) => evaluateCondition(condition, vars, origin));
}

/** One condition, written or already a boolean (assert's `that`). */
export function holds(condition: string | boolean, vars: Vars, origin: Origin): boolean {
  return evaluateCondition(condition, vars, origin);
}

/** An expression's value (debug's `var`); `{{ }}` around it is accepted. */
export function valueOf(expression: string, vars: Vars, origin: Origin): unknown {
  return evaluate(expression, vars, origin);
}

/** Renders `{{ }}` in a task value; an exact `{{ x }}` keeps x's type. */
export function render<T>(value: T, vars: Vars, origin: Origin): T {
  return renderValue(value, vars, origin) as T;
}

/** A loop's items: a list as written (items rendered) or `{{ expression }}` that yields a list. */
export function loopItems(spec: LoopSpec, vars: Vars, origin: Origin): unknown[] {
  const value = render(spec.loop, vars, origin);
  if (!Array.isArray(value)) throw new Error(`loop: expected a list, got ${value === null ? 'null' : typeof value} (${JSON.stringify(spec.loop)})`);
  return spec.flattenLoop ? value.flatMap((item) => (Array.isArray(item) ? item : [item])) : value;
}

export function renderFile(path: string, vars: Vars): string {
  return renderTemplateFile(path, vars);
}
