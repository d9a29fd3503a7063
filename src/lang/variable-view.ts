import type { Origin } from './expression-error';
import { TemplateError } from './template-error';

/**
 * Variables that refer to other variables (`app_url: "http://{{ host }}:{{ port }}"` in
 * group_vars) are rendered when they are read, as Ansible does: a view of the variables whose
 * strings containing `{{` render on access. Frozen properties are returned as they are (a Proxy
 * may not change them).
 */
export type Render = (value: string, vars: Record<string, unknown>, origin: Origin) => unknown;

interface ViewState {
  view: object;
  /** The origin of the render in progress, for errors inside referenced variables. */
  origin: Origin;
}

const views = new WeakSet<object>();
// one view per variables object: building a Proxy per render costs more than the render itself
const viewsOf = new WeakMap<object, ViewState>();

/**
 * The template engine registers its renderer when it loads; the expression language uses the
 * same view for `when:` without importing the template engine (which imports it: a cycle).
 */
let renderer: Render | undefined;

export function registerRenderer(render: Render): void {
  renderer = render;
}

/** The view of `vars` in which `{{ }}` strings render on access (vars as they are when no renderer is registered). */
export function variableView<T extends object>(vars: T, origin: Origin): T {
  if (!renderer || views.has(vars)) return vars;
  let state = viewsOf.get(vars);
  if (!state) {
    state = createView(vars, renderer, origin);
    viewsOf.set(vars, state);
  }
  state.origin = origin;
  return state.view as T;
}

function createView(vars: object, render: Render, origin: Origin): ViewState {
  const resolving = new Set<string>();
  const wrapped = new WeakMap<object, object>();
  const state: ViewState = { view: vars, origin };
  const wrap = (target: object, path: string): object => {
    // a view inside the variables (hostvars[name] is another host's) has rendered its strings
    // already, with its own variables: rendering them again would template their values, which
    // may be text from a host or `!unsafe`
    if (views.has(target)) return target;
    const existing = wrapped.get(target);
    if (existing) return existing;
    const view = new Proxy(target, {
      // only own properties exist: Handlebars' strict check (`name in vars`) must not find `constructor` on the prototype
      has: (t, key) => Object.prototype.hasOwnProperty.call(t, key),
      get(t, key) {
        const value: unknown = (t as Record<string | symbol, unknown>)[key];
        // the common case first and cheap: a plain scalar is returned as it is
        if (typeof key !== 'string' || value === null || (typeof value !== 'object' && (typeof value !== 'string' || !value.includes('{{')))) return value;
        if (!Object.prototype.hasOwnProperty.call(t, key)) return value;
        const descriptor = Object.getOwnPropertyDescriptor(t, key);
        if (descriptor && !descriptor.configurable && !descriptor.writable) return value;
        const name = `${path}${key}`;
        if (typeof value === 'string') {
          if (resolving.has(name)) throw new TemplateError(`'${name}' refers to itself (recursive variable)`, state.origin, name);
          resolving.add(name);
          try {
            return render(value, state.view as Record<string, unknown>, state.origin);
          } finally {
            resolving.delete(name);
          }
        }
        return wrap(value as object, `${name}.`);
      },
    });
    views.add(view);
    wrapped.set(target, view);
    return view;
  };
  state.view = wrap(vars, '');
  return state;
}
