import type { Origin } from './expression-error';
import { TemplateError } from './template-error';

/**
 * Variables that refer to other variables (`app_url: "http://{{ host }}:{{ port }}"` in
 * group_vars) are rendered when they are read, as Ansible does: a view of the variables whose
 * strings containing `{{` render on access. Frozen properties are returned as they are (a Proxy
 * may not change them).
 */
export type Render = (value: string, vars: Record<string, unknown>) => unknown;

const views = new WeakSet<object>();

export function lazilyTemplated<T extends object>(vars: T, render: Render, origin: Origin): T {
  if (views.has(vars)) return vars;
  const resolving = new Set<string>();
  const wrapped = new WeakMap<object, object>();
  let root: Record<string, unknown>;
  const wrap = (target: object, path: string): object => {
    const existing = wrapped.get(target);
    if (existing) return existing;
    const view = new Proxy(target, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(t, key)) return value;
        const descriptor = Object.getOwnPropertyDescriptor(t, key);
        if (descriptor && !descriptor.configurable && !descriptor.writable) return value;
        const name = `${path}${key}`;
        if (typeof value === 'string' && value.includes('{{')) {
          if (resolving.has(name)) throw new TemplateError(`'${name}' refers to itself (recursive variable)`, origin, name);
          resolving.add(name);
          try {
            return render(value, root);
          } finally {
            resolving.delete(name);
          }
        }
        return value !== null && typeof value === 'object' ? wrap(value, `${name}.`) : value;
      },
    });
    views.add(view);
    wrapped.set(target, view);
    return view;
  };
  root = wrap(vars, '') as Record<string, unknown>;
  return root as T;
}
