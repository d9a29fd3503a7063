import { evaluate, evaluateCondition } from '../../lang/expressions';
import { isTemplated, renderTemplateFile, renderValue } from '../../lang/templates';
import { TemplateError } from '../../lang/template-error';
import { loopLookupItems } from './loop-lookups';
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

/** A task's arguments rendered; set_fact's names too (`"{{ item.key }}": ...`), as Ansible's set_fact renders its keys. */
export function renderArgs(module: string, args: Vars, vars: Vars, origin: Origin): Vars {
  const rendered = render(args, vars, origin);
  if (module !== 'set_fact') return rendered;
  return Object.fromEntries(Object.entries(rendered).map(([key, value]) => [isTemplated(key) ? String(render(key, vars, origin)) : key, value]));
}

/**
 * A loop's items: a list as written (items rendered) or `{{ expression }}` that yields a list, or
 * the terms of with_<lookup> through that lookup. `action` is the task's, which tells first_found
 * where to search.
 */
export function loopItems(spec: LoopSpec, vars: Vars, origin: Origin, action: string): unknown[] {
  if (spec.loopLookup !== undefined) return loopLookupItems(spec.loopLookup, loopTerms(spec, vars, origin), vars, action);
  const value = render(spec.loop, vars, origin);
  if (!Array.isArray(value)) throw new Error(`loop: expected a list, got ${value === null ? 'null' : typeof value} (${JSON.stringify(spec.loop)})`);
  return spec.flattenLoop ? value.flatMap((item) => (Array.isArray(item) ? item : [item])) : value;
}

/** first_found falls through a term that does not render (a fact this host lacks), as Ansible's does. */
function loopTerms(spec: LoopSpec, vars: Vars, origin: Origin): unknown {
  if (spec.loopLookup !== 'first_found' || !Array.isArray(spec.loop)) return render(spec.loop, vars, origin);
  return spec.loop.flatMap((term) => {
    try {
      return [render(term, vars, origin)];
    } catch (err) {
      if (err instanceof TemplateError) return [];
      throw err;
    }
  });
}

export function renderFile(path: string, vars: Vars): string {
  return renderTemplateFile(path, vars);
}
