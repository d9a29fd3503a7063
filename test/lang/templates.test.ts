import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCondition } from '../../src/lang/expressions';
import { TemplateError, isTemplated, renderTemplate, renderTemplateFile, renderValue, templatedVars } from '../../src/lang/templates';

const vars = {
  server_name: 'example.org',
  port: 8080,
  packages: ['nginx', 'curl'],
  item: { name: 'app', tags: ['a'] },
  hostvars: { 'app-1': { ansible_host: '10.0.1.10' } },
  body: 'line1\nline2',
  html: '<b>&"\'</b>',
  env: 'prod',
  enabled: true,
  count: 3,
  settings: { workers: 4 },
};
const origin = { file: 'roles/nginx/templates/site.conf.hbs' };

function templateError(run: () => unknown): TemplateError {
  try {
    run();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('templates (Handlebars)', () => {
  it('renders variables with spaces inside the braces, without HTML escaping', () => {
    expect(renderTemplate('server_name {{ server_name }};\nlisten {{port}};', vars, origin)).toBe('server_name example.org;\nlisten 8080;');
    expect(renderTemplate('{{ html }}', vars, origin)).toBe('<b>&"\'</b>');
    expect(renderTemplate('{{ item.name }} {{ hostvars.app-1.ansible_host }} {{ packages.[1] }}', vars, origin)).toBe('app 10.0.1.10 curl');
  });

  it('fails on a missing variable naming the template file, the line and the full variable path', () => {
    const err = templateError(() => renderTemplate('a\nb {{ item.nope }}\n', vars, origin));
    expect(err.message).toBe("roles/nginx/templates/site.conf.hbs:2: 'item.nope' is undefined");
    expect([err.file, err.line, err.variable]).toEqual([origin.file, 2, 'item.nope']);
    const inBlock = templateError(() => renderTemplate('x\n{{#each packages}}\n{{ nam }}\n{{/each}}', vars, origin));
    expect([inBlock.line, inBlock.variable]).toEqual([3, 'nam']);
  });

  it('offsets lines by the origin line (a template inside a YAML file)', () => {
    expect(templateError(() => renderTemplate('a\n{{ missing }}', vars, { file: 'play.yml', line: 10 })).message).toBe("play.yml:11: 'missing' is undefined");
  });

  it('reports template syntax errors with the line', () => {
    const err = templateError(() => renderTemplate('ok\n{{ unclosed', vars, origin));
    expect(err.message).toMatch(/^roles\/nginx\/templates\/site\.conf\.hbs:2: syntax error/);
  });

  it('has the helpers configs need', () => {
    const r = (source: string): string => renderTemplate(source, vars, origin);
    expect(r('{{default missing "fallback"}} {{default port 80}}')).toBe('fallback 8080');
    expect(r('{{join packages ", "}}')).toBe('nginx, curl');
    expect(r('{{#if (eq env "prod")}}P{{else}}D{{/if}}{{#if (ne env "prod")}}X{{/if}}')).toBe('P');
    expect(r('{{#if (lt port 9000)}}lt{{/if}} {{#if (gt port 9000)}}gt{{/if}}')).toBe('lt ');
    expect(r('{{#if (and enabled (eq env "prod"))}}A{{/if}}{{#if (or false enabled)}}O{{/if}}{{#if (not enabled)}}N{{/if}}')).toBe('AO');
    expect(r('x:\n  {{indent body 2}}')).toBe('x:\n  line1\n  line2');
    expect(r('{{#indent 4}}a\nb{{/indent}}')).toBe('a\n    b');
    expect(r('{{to_json item}}')).toBe('{"name": "app", "tags": ["a"]}');
    expect(r('{{to_yaml settings}}')).toBe('workers: 4\n');
    expect(r('{{b64encode server_name}} {{b64decode "aGk="}}')).toBe('ZXhhbXBsZS5vcmc= hi');
    expect(r('{{upper env}} {{lower "ABC"}} {{replace server_name "." "_"}} {{trim "  t  "}}')).toBe('PROD abc example_org t');
    expect(r('{{#each packages}}{{@index}}={{this}};{{/each}}')).toBe('0=nginx;1=curl;');
    expect(r('{{#if missing_optional}}shown{{/if}}')).toBe('');
  });

  it('treats names of JavaScript prototype properties as missing variables, never as values', () => {
    for (const source of ['{{ constructor }}', '{{ item.constructor }}', '{{ item.__proto__ }}', '{{ toString }}']) {
      expect(templateError(() => renderTemplate(source, vars, origin)).message).toMatch(/is undefined/);
      expect(templateError(() => renderValue(source, vars, origin)).message).toMatch(/is undefined/);
    }
  });

  it('lets a variable win over a helper of the same name', () => {
    expect(renderTemplate('{{count}} {{ count }}', vars, origin)).toBe('3 3');
    expect(templateError(() => renderTemplate('{{ first }}', vars, origin)).variable).toBe('first');
  });

  it('says which helper call got a missing value', () => {
    expect(templateError(() => renderTemplate('ok\n{{upper nope}}', vars, origin)).message).toMatch(/site\.conf\.hbs:2: helper 'upper' got an undefined value .* in \{\{upper nope\}\}/);
  });

  it('renders a template file, naming it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'play-tpl-'));
    try {
      writeFileSync(join(dir, 'a.hbs'), 'port={{ port }}\n');
      expect(renderTemplateFile(join(dir, 'a.hbs'), vars)).toBe('port=8080\n');
      writeFileSync(join(dir, 'b.hbs'), '\n\n{{ nope }}\n');
      expect(() => renderTemplateFile(join(dir, 'b.hbs'), vars)).toThrow(`${join(dir, 'b.hbs')}:3: 'nope' is undefined`);
      expect(() => renderTemplateFile(join(dir, 'missing.hbs'), vars)).toThrow(/missing\.hbs: cannot read template: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('renderValue ({{ }} in YAML values)', () => {
  const at = { file: 'playbooks/site.yml', line: 20 };

  it('keeps the type of a value that is exactly one {{ expr }}', () => {
    expect(renderValue('{{ packages }}', vars, at)).toEqual(['nginx', 'curl']);
    expect(renderValue('{{ port }}', vars, at)).toBe(8080);
    expect(renderValue(' {{ settings }} ', vars, at)).toEqual({ workers: 4 });
    expect(renderValue('{{ enabled }}', vars, at)).toBe(true);
    expect(renderValue('{{ hostvars.app-1 }}', vars, at)).toEqual({ ansible_host: '10.0.1.10' });
  });

  it('renders strings inside lists and mappings, recursively, leaving other values alone', () => {
    const value = { name: 'install {{ item.name }}', apt: { name: '{{ packages }}', state: 'present' }, retries: 3, list: ['{{ port }}', 'x:{{ port }}'] };
    expect(renderValue(value, vars, at)).toEqual({ name: 'install app', apt: { name: ['nginx', 'curl'], state: 'present' }, retries: 3, list: [8080, 'x:8080'] });
    expect(isTemplated(value)).toBe(true);
    expect(isTemplated({ a: [1, 'plain'] })).toBe(false);
  });

  it('accepts Jinja-style expressions with filters as well as Handlebars helpers', () => {
    expect(renderValue("{{ missing | default('d') }}", vars, at)).toBe('d');
    expect(renderValue('{{ port + 1 }}', vars, at)).toBe(8081);
    expect(renderValue("{{ packages | join(' ') }} and {{ env | upper }}", vars, at)).toBe('nginx curl and PROD');
    expect(renderValue('{{default missing "d"}}', vars, at)).toBe('d');
    expect(renderValue('a {{join packages "+"}} b', vars, at)).toBe('a nginx+curl b');
    expect(renderValue('{{#each packages}}{{this}} {{/each}}', vars, at)).toBe('nginx curl ');
  });

  it('names the file, the line (within a multi-line value) and the variable when one is missing', () => {
    const err = templateError(() => renderValue('first\nsecond {{ http_port }}', vars, at));
    expect(err.message).toBe("playbooks/site.yml:21: 'http_port' is undefined in {{ http_port }}");
    expect(err.variable).toBe('http_port');
    expect(templateError(() => renderValue('{{ hostvars.app-2.ansible_host }}', vars, at)).variable).toBe('hostvars.app-2');
  });

  it('renders variables that refer to other variables, and detects loops', () => {
    const nested = { host: 'h', port: 80, url: 'http://{{ host }}:{{ port }}', urls: ['{{ url }}/a'], loop_a: '{{ loop_b }}', loop_b: '{{ loop_a }}' };
    expect(renderValue('{{ url }}', nested, at)).toBe('http://h:80');
    expect(renderValue('{{ urls }}', nested, at)).toEqual(['http://h:80/a']);
    expect(renderTemplate('{{ url }}/x', nested, origin)).toBe('http://h:80/x');
    expect(evaluateCondition("url == 'http://h:80'", nested)).toBe(true);
    expect(renderValue('{{ view.url }}', { view: templatedVars(nested) }, at)).toBe('http://h:80');
    expect(() => renderValue('{{ loop_a }}', nested, at)).toThrow(/recursive variable/);
  });

  it('renders thousands of values quickly (templates are compiled once, the variables view is reused)', () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i += 1) {
      renderValue({ a: 'x {{ port }} {{ item.name }}', b: '{{ packages }}' }, vars, at);
      renderTemplate('server {{ server_name }}:{{ port }} {{#each packages}}{{this}}{{/each}}', vars, origin);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // generous: under jest on a busy machine this is ~0.2 ms per render; compiling each time would be ~10x slower
    expect(ms).toBeLessThan(4000);
  });
});
