import Handlebars, { type HelperDelegate, type HelperOptions } from 'handlebars';
import { FILTERS, FILTERS_ACCEPTING_UNDEFINED } from './filters';
import { TESTS } from './tests';
import { EvalError, Undefined, truthy } from './values';

/**
 * Handlebars helpers for configuration templates. Every filter of the expression language is a
 * helper too (`{{join servers ","}}`, `{{default port 80}}`, `{{indent block 4}}`, `{{to_json x}}`),
 * so `when:` and templates share one implementation; plus comparisons and logic for `{{#if}}`.
 */

/** Thrown when a helper gets a missing value; the renderer turns it into a TemplateError with the line. */
export class HelperInputMissing extends Error {
  constructor(
    readonly helper: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    /** `{{name}}` alone: the user meant a variable of that name, which does not exist. */
    readonly asVariable = false,
  ) {
    super(asVariable ? `'${helper}' is undefined` : `helper '${helper}' got an undefined value`);
  }
}

function split(args: unknown[]): { values: unknown[]; options: HelperOptions } {
  return { values: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

function locationOf(options: HelperOptions): { line?: number; column?: number } {
  return (options as unknown as { loc?: { start?: { line?: number; column?: number } } }).loc?.start ?? {};
}

function variableNamed(context: unknown, name: string, options: HelperOptions): unknown {
  if (context !== null && typeof context === 'object' && Object.prototype.hasOwnProperty.call(context, name)) return (context as Record<string, unknown>)[name];
  throw new HelperInputMissing(name, locationOf(options).line, locationOf(options).column, true);
}

function filterHelper(name: string): HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    const { values, options } = split(args);
    // `{{count}}` with no argument is ambiguous in Handlebars (helper or variable?): a variable of
    // that name wins, so helpers never shadow the user's variables
    if (values.length === 0 && !options.fn) return variableNamed(this, name, options);
    // block form, e.g. {{#indent 4}}...{{/indent}}: the block's text is the input
    const [input, ...rest] = options.fn ? [options.fn(this), ...values] : values;
    if ((input === undefined || input === null) && FILTERS_ACCEPTING_UNDEFINED.has(name)) {
      return FILTERS[name](new Undefined('value'), rest, options.hash);
    }
    if (input === undefined) throw new HelperInputMissing(name, locationOf(options).line, locationOf(options).column);
    try {
      return FILTERS[name](input, rest, options.hash ?? {});
    } catch (err) {
      if (err instanceof EvalError) throw new EvalError(`helper '${name}': ${err.message}`);
      throw err;
    }
  };
}

/**
 * Replaces Handlebars' own `log`, which writes its arguments to the console, past the redaction
 * all of play's output goes through. (Its `lookup` stays: it reads own properties only, as a path does.)
 */
function refusedLog(this: unknown, ...args: unknown[]): unknown {
  const { values, options } = split(args);
  if (values.length === 0 && !options.fn) return variableNamed(this, 'log', options);
  const message = "the 'log' helper is not supported: it would print values, secrets included, unredacted (use a debug task)";
  throw new Handlebars.Exception(message, options as unknown as hbs.AST.Node);
}

function testHelper(name: string): HelperDelegate {
  return (...args: unknown[]) => {
    const { values } = split(args);
    const [input, ...rest] = values;
    return TESTS[name](input === undefined ? new Undefined('value') : input, rest);
  };
}

export function templateHelpers(): Record<string, HelperDelegate> {
  const helpers: Record<string, HelperDelegate> = {};
  for (const name of Object.keys(FILTERS)) helpers[name] = filterHelper(name);
  for (const name of ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'defined', 'undefined', 'contains', 'in']) helpers[name] = testHelper(name);
  helpers.and = (...args: unknown[]) => split(args).values.every((v) => truthy(v ?? null));
  helpers.or = (...args: unknown[]) => split(args).values.some((v) => truthy(v ?? null));
  helpers.not = (...args: unknown[]) => !truthy(split(args).values[0] ?? null);
  helpers.log = refusedLog;
  return helpers;
}
