import { renderJinja } from '../../src/lang/jinja';
import { TemplateError, templatedVars } from '../../src/lang/templates';

/** Expected outputs are ansible-core 2.14's (Templar configured as its template module does). */

const origin = { file: 'roles/web/templates/site.conf.j2' };

function render(source: string, vars: Record<string, unknown> = {}): string {
  return renderJinja(source, templatedVars(vars, origin), origin);
}

function failure(source: string, vars: Record<string, unknown> = {}): TemplateError {
  try {
    render(source, vars);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('Jinja2 templates', () => {
  it('if/elif/else, with trim_blocks dropping the newline after a statement', () => {
    expect(render('a\n{% if x %}\n  yes\n{% endif %}\nb\n', { x: true })).toBe('a\n  yes\nb\n');
    expect(render('{% if a %}A{% elif b %}B{% else %}C{% endif %}', { a: false, b: false })).toBe('C');
    expect(render('{% if a %}A{% elif b %}B{% else %}C{% endif %}', { a: false, b: 1 })).toBe('B');
  });

  it('for loops: loop.*, tuple unpacking over items(), else, filters on the iterable, an if filter', () => {
    expect(render('{% for i in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}', { xs: ['a', 'b'] })).toBe(
      '1/0/2/True/False/2 2/1/1/False/True/2 ',
    );
    expect(render('{% for k, v in d.items() %}{{ k }}={{ v }}\n{% endfor %}', { d: { a: 1, b: [1, 'x', null, true] } })).toBe("a=1\nb=[1, 'x', None, True]\n");
    expect(render("{% for x in xs | select('odd') %}{{ x }}{% else %}none{% endfor %}", { xs: [2, 4] })).toBe('none');
    expect(render('{% for i in range(3) if i != 1 %}{{ i }}{{ loop.length }}{% endfor %}')).toBe('0222');
    expect(render('{% for x in xs %}{{ x }}{% endfor %}{{ x | default("out") }}', { xs: [1] })).toBe('1out');
  });

  it('set, block set and macros with default arguments', () => {
    expect(render('{% set y = x * 2 %}{{ y }}{% set a, b = [1, 2] %}{{ a }}{{ b }}', { x: 3 })).toBe('612');
    expect(render('{% set block %}in {{ x }}{% endset %}[{{ block }}]', { x: 1 })).toBe('[in 1]');
    expect(render("{% macro m(name, port=80) %}{{ name }}:{{ port }}{% endmacro %}{{ m('a') }} {{ m('b', 8080) }} {{ m('c', port=1) }}")).toBe('a:80 b:8080 c:1');
  });

  it('comments, whitespace control and the trailing newlines Ansible keeps', () => {
    expect(render('x{# comment #}\ny\n{# c2 #}\nz\n\n')).toBe('xy\nz\n\n');
    expect(render('  {%- if true -%}  \n  x  \n  {%- endif %}\nz')).toBe('xz');
    expect(render("{{- '  a  ' -}}\n  {{ 'b' }}")).toBe('  a  b');
    expect(render('{{ x }}\n', { x: 'a' })).toBe('a\n');
    expect(render('{{ x }}', { x: 'a' })).toBe('a');
  });

  it('raw blocks are text, with their own whitespace rules', () => {
    expect(render('a\n{% raw %}\n{{ x }} {% if %}\n{% endraw %}\ny\n')).toBe('a\n\n{{ x }} {% if %}\ny\n');
    expect(render('a {%- raw -%}  {{ x }}  {%- endraw %} b')).toBe('a{{ x }} b');
  });

  it('a #jinja2: first line sets trim_blocks and lstrip_blocks for the template', () => {
    expect(render('#jinja2: lstrip_blocks: True\n  {% if true %}\n    x\n  {% endif %}\n')).toBe('    x\n');
    expect(render('#jinja2: trim_blocks: False\n{% if true %}\nx{% endif %}\n')).toBe('\nx\n');
  });

  it("prints values as Python does, and none as nothing (Ansible's finalize)", () => {
    expect(render("{{ none_value }}|{{ [1, 'a', None] }}|{{ {'k': 'v'} }}|{{ true }}", { none_value: null })).toBe("|[1, 'a', None]|{'k': 'v'}|True");
  });

  it('the filters, tests and guards of the expression language', () => {
    expect(render("{{ x | default('d') }} {{ y is defined }} {{ ('a', 'b') | join('-') }}")).toBe('d False a-b');
    expect(render("{{ 'Ansible managed' | comment }}")).toBe('#\n# Ansible managed\n#');
    expect(render("{{ 'a\\nb' | comment('c') }}")).toBe('//\n// a\n// b\n//');
    expect(render("{{ x | default(missing) }}", { x: 1 })).toBe('1');
  });

  it('an undefined variable is an error naming the file and the line', () => {
    const err = failure('ok\n{% if true %}\n{{ nope }}\n{% endif %}\n');
    expect(err.message).toBe("roles/web/templates/site.conf.j2:3: 'nope' is undefined in {{ nope }}");
    expect(err.variable).toBe('nope');
    expect(failure('a\n{% for x in missing %}{% endfor %}').message).toBe("roles/web/templates/site.conf.j2:2: 'missing' is undefined in {% for x in missing %}");
    expect(failure('{{ d.nope }}', { d: {} }).message).toMatch(/:1: 'd\.nope' is undefined/);
    expect(failure('#jinja2: lstrip_blocks: True\n{{ nope }}').line).toBe(2);
  });

  it('syntax errors name the line: unclosed blocks, unknown statements, bad expressions', () => {
    expect(failure('a\n{% if x %}\nb').message).toBe("roles/web/templates/site.conf.j2:2: syntax error: '{% if %}' is never closed (expected '{% elif %}' or '{% else %}' or '{% endif %}')");
    expect(failure('a\n\n{% endfor %}').message).toBe("roles/web/templates/site.conf.j2:3: syntax error: unexpected '{% endfor %}'");
    expect(failure('{% include "x.j2" %}').message).toMatch(/:1: syntax error: unknown or unsupported statement '\{% include %\}'/);
    expect(failure('x\n{{ a + }}').message).toMatch(/:2: syntax error: .*unexpected end of expression/);
    expect(failure('x\n{{ a ').message).toMatch(/:2: syntax error: '\{\{' is never closed by '\}\}'/);
  });
});
