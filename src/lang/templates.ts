import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { ExpressionError } from './expression-error';
import type { Origin } from './expression-error';
import { EvalError } from './values';
import { compileExpression, evaluate, singleMustache } from './expressions';
import { registerTemplateRenderer } from './lookups';
import { TemplateError, lineWithin } from './template-error';
import { withoutLiteralBraces } from '../data/unsafe-text';
import type { Vars } from '../data/vars';
import { HelperInputMissing, templateHelpers } from './template-helpers';
import { renderJinja } from './jinja';
import { ansibleTemplateVars } from './template-vars';
import { registerRenderer, variableView } from './variable-view';

/**
 * Template files are Jinja2 (jinja.ts), as in Ansible, except `.hbs` files: Handlebars, for this
 * project's own roles. `renderTemplate` and the rest of this file are the Handlebars side, and
 * the `{{ }}` of YAML values.
 *
 * Handlebars templates have no HTML escaping and strict lookups: a missing variable is a
 * TemplateError naming the template file, the line and the variable.
 *
 * What works in `{{ }}` (spaces inside are fine):
 * - paths: `{{ item.name }}`, `{{ hostvars.app-1.ansible_host }}` (`-` is part of a name in
 *   Handlebars), `{{ list.[0] }}` (not `list.0`), `{{ @root.x }}`, `../x` inside blocks;
 * - helpers, Handlebars style: `{{default port 80}}`, `{{join servers ","}}`, `{{indent body 4}}`,
 *   `{{#if (eq env "prod")}}...{{/if}}`, `{{#each servers}}{{this}}{{/each}}`; every filter of the
 *   expression language is a helper;
 * - helper arguments and `{{#if x}}` are not strict (a missing `x` is just false/undefined),
 *   which is what `default` and optional sections need.
 *
 * In YAML values (`renderValue`), each `{{ }}` may also hold an expression of the expression
 * language, Jinja style: `{{ port | int + 1 }}`, `{{ x | default('a') }}`, `{{ groups['app'] }}`.
 */

export { TemplateError } from './template-error';

const handlebars = Handlebars.create();
handlebars.registerHelper(templateHelpers());
registerRenderer((text, vars, origin) => renderValue(text, vars, origin));
registerTemplateRenderer((source, vars, origin) => renderTemplateText(source, vars, origin.file));

const MAX_CACHED = 5000;
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(source: string): HandlebarsTemplateDelegate {
  let template = compiled.get(source);
  if (!template) {
    template = handlebars.compile(source, { noEscape: true, strict: true });
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(source, template);
  }
  return template;
}

/** Renders a Handlebars template (compiled once per distinct source, then cached). */
export function renderTemplate(source: string, vars: Readonly<Vars>, origin: Origin): string {
  try {
    return compile(source)(templatedVars(vars, origin));
  } catch (err) {
    throw toTemplateError(err, source, origin);
  }
}

export function renderTemplateFile(path: string, vars: Readonly<Vars>): string {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TemplateError(`cannot read template: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  return renderTemplateText(source, vars, path);
}

/** A `.hbs` file is Handlebars (this project's own roles); any other template is Jinja2, as in Ansible. */
export function isHandlebarsFile(path: string): boolean {
  return path.endsWith('.hbs');
}

function renderTemplateText(source: string, vars: Readonly<Vars>, path: string): string {
  if (isHandlebarsFile(path)) return renderTemplate(source, vars, { file: path });
  const origin = { file: path };
  return renderJinja(source, templatedVars(withTemplateVars(vars, path), origin), origin);
}

function withTemplateVars(vars: Readonly<Vars>, path: string): Readonly<Vars> {
  return { ...vars, ...ansibleTemplateVars(path) };
}

/**
 * Renders every string containing `{{` inside a YAML value (lists and mappings recursively).
 * A string that is exactly one `{{ expr }}` keeps the value's type (a list, a number, a dict),
 * as in Ansible.
 */
export function renderValue<T = unknown>(value: T, vars: Readonly<Vars>, origin: Origin): T;
export function renderValue(value: unknown, vars: Readonly<Vars>, origin: Origin): unknown {
  if (!isTemplated(value)) return value;
  return renderWithin(value, templatedVars(vars, origin), origin);
}

function renderWithin(value: unknown, view: Readonly<Vars>, origin: Origin): unknown {
  if (typeof value === 'string') return value.includes('{{') ? renderString(value, view, origin) : value;
  if (Array.isArray(value)) return value.map((item) => renderWithin(item, view, origin));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderWithin(v, view, origin)]));
  }
  return value;
}

/**
 * The variables as templates, `{{ }}` values and conditions see them: a variable whose value
 * contains `{{ }}` is rendered when read (evaluate/evaluateCondition apply it themselves).
 */
export function templatedVars(vars: Readonly<Vars>, origin: Origin = { file: '<vars>' }): Readonly<Vars> {
  return variableView(vars, origin);
}

/** Whether a value contains anything to render (so callers can skip copying static task arguments). */
export function isTemplated(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(isTemplated);
  if (value !== null && typeof value === 'object') return Object.values(value).some(isTemplated);
  return false;
}

/** Handlebars syntax no Jinja-style expression has: blocks, partials, comments, raw output, whitespace control. */
export const HANDLEBARS_ONLY = /\{\{\s*[#/^!>{~&]|\{\{\s*else\b|~\}\}/;
export const MUSTACHE = /\{\{([\s\S]*?)\}\}/g;
const PATH = /^(?:@root\.)?[A-Za-z_$][\w$-]*(?:\.(?:[A-Za-z_$][\w$-]*|\[[^\]]+\]))*$/;

function renderString(text: string, vars: Readonly<Vars>, origin: Origin): unknown {
  const written = withoutLiteralBraces(text);
  // Handlebars syntax needs a `{{` the author wrote: `x~}}` left of an `!unsafe` text is just text
  const handlebarsOnly = written.includes('{{') && HANDLEBARS_ONLY.test(written);
  const whole = singleMustache(text);
  if (whole !== undefined && !handlebarsOnly) return plainCopy(evaluateMustache(whole, text, vars, origin));
  if (handlebarsOnly) return renderTemplate(text, vars, origin);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MUSTACHE)) {
    const start = m.index ?? 0;
    const line = text.slice(0, start).split('\n').length;
    out += text.slice(last, start) + textOf(evaluateMustache(m[1].trim(), m[0], vars, lineWithin(origin, line)));
    last = start + m[0].length;
  }
  return out + text.slice(last);
}

/**
 * One `{{ ... }}`: a path is looked up (typed); else, if it parses as an expression, it is
 * evaluated (typed); else Handlebars renders it (a helper call such as `{{default x "y"}}`).
 */
function evaluateMustache(inner: string, mustache: string, vars: Readonly<Vars>, origin: Origin): unknown {
  if (PATH.test(inner)) return /[-[@]/.test(inner) ? lookupPath(inner, vars, origin) : evaluateExpression(inner, vars, origin);
  if (parsesAsExpression(inner)) return evaluateExpression(inner, vars, origin);
  return renderTemplate(mustache, vars, origin);
}

function parsesAsExpression(inner: string): boolean {
  try {
    compileExpression(inner);
    return true;
  } catch {
    return false;
  }
}

function evaluateExpression(inner: string, vars: Readonly<Vars>, origin: Origin): unknown {
  try {
    return evaluate(inner, vars);
  } catch (err) {
    if (err instanceof ExpressionError) throw new TemplateError(err.message.replace(/ in expression: [\s\S]*$/, ` in {{ ${inner} }}`), origin, err.variable);
    throw err;
  }
}

/** A Handlebars path with `-` in names (`hostvars.app-1.x`), which the expression language reads as a subtraction. */
function lookupPath(path: string, vars: Readonly<Vars>, origin: Origin): unknown {
  const segments = path
    .replace(/^@root\./, '')
    .split(/\.(?![^[]*\])/)
    .map((s) => s.replace(/^\[(.*)\]$/, '$1'));
  let value: unknown = vars;
  for (let i = 0; i < segments.length; i += 1) {
    const key = segments[i];
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) {
      const missing = segments.slice(0, i + 1).join('.');
      throw new TemplateError(`'${missing}' is undefined in {{ ${path} }}`, origin, missing);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A plain copy of a value read through the templated view (so nested `{{ }}` are rendered, and no Proxy escapes). */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainCopy(v)]));
  return value;
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function toTemplateError(err: unknown, source: string, origin: Origin): Error {
  if (err instanceof TemplateError) return err;
  if (err instanceof HelperInputMissing) {
    const where = lineWithin(origin, err.line);
    return err.asVariable
      ? new TemplateError(`'${err.helper}' is undefined`, where, err.helper)
      : new TemplateError(`${err.message} (a missing variable?) in ${mustacheAt(source, err.line, err.column)}`, where);
  }
  const e = err as Error & { lineNumber?: number; column?: number };
  // Handlebars' strict lookup on a string or number (`{{ name.x }}` with name a string) fails with a TypeError
  const onScalar = err instanceof TypeError ? /Cannot use 'in' operator to search for '(.+?)' in/.exec(e.message) : null;
  if (onScalar) return new TemplateError(`'${onScalar[1]}' is undefined (looked up on a value that has no attributes)`, lineWithin(origin, lineMentioning(source, onScalar[1])), onScalar[1]);
  const strict = /^"(.+)" not defined in /.exec(e.message ?? '');
  if (strict && e.lineNumber !== undefined) {
    const variable = pathAt(source, e.lineNumber, e.column ?? 0) ?? strict[1];
    return new TemplateError(`'${variable}' is undefined`, lineWithin(origin, e.lineNumber), variable);
  }
  const parse = /^Parse error on line (\d+):\n([\s\S]*)$/.exec(e.message ?? '');
  if (parse) return new TemplateError(`syntax error: ${parse[2].split('\n').pop()}`, lineWithin(origin, Number(parse[1])));
  if (err instanceof EvalError || (err instanceof Error && err.name === 'Error' && e.lineNumber !== undefined)) {
    return new TemplateError(e.message.replace(/ - \d+:\d+$/, ''), lineWithin(origin, e.lineNumber));
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The `{{ ... }}` that starts at a helper's location, for messages. */
function mustacheAt(source: string, line: number | undefined, column: number | undefined): string {
  const text = (source.split('\n')[(line ?? 1) - 1] ?? '').slice(column ?? 0);
  return /^\{\{[\s\S]*?\}\}/.exec(text)?.[0] ?? 'the template';
}

/** The first line whose `{{ }}` mentions a name (Handlebars gives no position for some errors). */
function lineMentioning(source: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const index = source.split('\n').findIndex((line) => new RegExp(`\\{\\{[^}]*\\b${escaped}\\b`).test(line));
  return index < 0 ? undefined : index + 1;
}

/** The full path (`item.nope`, not just `nope`) at a strict-mode error's position. */
function pathAt(source: string, line: number, column: number): string | undefined {
  const text = source.split('\n')[line - 1] ?? '';
  return /^[^\s}()]+/.exec(text.slice(column))?.[0];
}
