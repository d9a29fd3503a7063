import { compileJinja } from '../../lang/jinja';
import type { Expr, Stmt } from '../../lang/jinja-parser';
import { TemplateError } from '../../lang/template-error';
import { TEMPLATE_VAR_NAMES } from '../../lang/template-vars';
import { unknownCallable } from '../../lang/unknown-callables';
import { namesOf } from './expression-names';
import type { NameUse } from './template-file-names';

/**
 * The variables a Jinja2 template file reads from the play (not its loop variables, `set`
 * names, macros and their parameters, nor the template_* variables Ansible adds). A name the
 * template guards anywhere (`x is defined`, `x | default`) is left out: generous, like the rest
 * of the load-time check. Throws a TemplateError for a syntax error or an unknown filter, test
 * or lookup, with the file and line.
 */
export function jinjaTemplateNames(source: string, path: string): NameUse[] {
  const { stmts, headerLines } = compileJinja(source, { file: path });
  const macros = new Set<string>();
  walk(stmts, new Set(), (stmt) => stmt.type === 'macro' && macros.add(stmt.name), () => undefined);
  const uses: NameUse[] = [];
  const guarded = new Set<string>(TEMPLATE_VAR_NAMES);
  walk(stmts, new Set(), () => undefined, (expr, locals) => {
    const unknown = unknownCallable(expr.tree, macros);
    if (unknown) throw new TemplateError(`${unknown} in ${expr.tag}`, { file: path, line: expr.line + headerLines });
    const { names, guarded: guards } = namesOf(expr.tree);
    guards.forEach((name) => guarded.add(name));
    for (const name of names) if (!locals.has(name) && !macros.has(name)) uses.push({ name, line: expr.line + headerLines });
  });
  return uses.filter((use) => !guarded.has(use.name));
}

type OnStmt = (stmt: Stmt) => unknown;
type OnExpr = (expr: Expr, locals: ReadonlySet<string>) => void;

/** Visits statements and expressions with the names local at each (a `set` adds to its scope from there on). */
function walk(stmts: readonly Stmt[], locals: Set<string>, onStmt: OnStmt, onExpr: OnExpr): void {
  for (const stmt of stmts) {
    onStmt(stmt);
    switch (stmt.type) {
      case 'output':
        onExpr(stmt.expr, locals);
        break;
      case 'if':
        for (const branch of stmt.branches) {
          onExpr(branch.test, locals);
          walk(branch.body, locals, onStmt, onExpr);
        }
        walk(stmt.otherwise, locals, onStmt, onExpr);
        break;
      case 'for': {
        onExpr(stmt.iterable, locals);
        const inner = new Set([...locals, ...stmt.targets, 'loop']);
        if (stmt.filter) onExpr(stmt.filter, inner);
        walk(stmt.body, inner, onStmt, onExpr);
        walk(stmt.otherwise, locals, onStmt, onExpr);
        break;
      }
      case 'set':
        onExpr(stmt.value, locals);
        stmt.targets.forEach((name) => locals.add(name));
        break;
      case 'set_block':
        walk(stmt.body, locals, onStmt, onExpr);
        locals.add(stmt.name);
        break;
      case 'macro': {
        const inner = new Set([...locals, ...stmt.params.map((p) => p.name)]);
        for (const param of stmt.params) if (param.fallback) onExpr(param.fallback, inner);
        walk(stmt.body, inner, onStmt, onExpr);
        break;
      }
      case 'text':
        break;
    }
  }
}
