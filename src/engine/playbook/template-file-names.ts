import Handlebars from 'handlebars';
import { templateHelpers } from '../../lang/template-helpers';
import { isHandlebarsFile } from '../../lang/templates';
import { jinjaTemplateNames } from './jinja-template-names';

type Statement = hbs.AST.Statement;

export interface NameUse {
  name: string;
  line: number;
}

const CONTEXT_CHANGING = new Set(['each', 'with']);

/** The variables a template file reads: Jinja2's unless it is a `.hbs` Handlebars file. */
export function templateFileNames(source: string, path: string): NameUse[] {
  return isHandlebarsFile(path) ? handlebarsNames(source) : jinjaTemplateNames(source, path);
}

/**
 * The top-level variables a Handlebars template file reads strictly: plain `{{ path }}` outside
 * of `each`/`with` blocks (whose context is the item). Helper arguments and `#if` conditions are
 * not strict, so they are not collected. Throws Handlebars' parse error for a broken template.
 */
function handlebarsNames(source: string): NameUse[] {
  const helpers = new Set([...Object.keys(templateHelpers()), 'if', 'unless', 'each', 'with', 'lookup', 'log']);
  const uses: NameUse[] = [];
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (statement.type === 'MustacheStatement') {
        const mustache = statement as hbs.AST.MustacheStatement;
        const root = rootName(mustache.path);
        if (root && mustache.params.length === 0 && !helpers.has(root)) uses.push({ name: root, line: mustache.loc.start.line });
      } else if (statement.type === 'BlockStatement') {
        const block = statement as hbs.AST.BlockStatement;
        const helper = rootName(block.path);
        if (helper && CONTEXT_CHANGING.has(helper)) continue;
        if (block.program) visit(block.program.body);
        if (block.inverse) visit(block.inverse.body);
      }
    }
  };
  visit(Handlebars.parse(source).body);
  return uses;
}

function rootName(path: hbs.AST.Expression): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as hbs.AST.PathExpression;
  if (p.data || p.depth > 0 || /^(this\b|\.)/.test(p.original)) return undefined;
  return p.parts[0];
}
