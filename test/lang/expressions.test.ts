import { ExpressionError, evaluate, evaluateCondition } from '../../src/lang/expressions';
import { thrown } from '../support/thrown';

const vars = {
  result: { rc: 0, stdout: 'nginx: configuration ok\nsecond line', stderr: '', changed: true, failed: false },
  failed_result: { rc: 2, failed: true, changed: false },
  skipped_result: { skipped: true, changed: false },
  loop_result: { results: [{ changed: false }, { changed: true }] },
  packages: ['nginx', 'curl'],
  port: 8080,
  port_text: '8080',
  name: 'Web',
  empty: '',
  nothing: null,
  flag: 'yes',
  settings: { tls: { enabled: true }, 'server-name': 'example.org' },
  servers: [
    { name: 'a', weight: 2 },
    { name: 'b', weight: 1 },
  ],
};

const ev = (expression: string): unknown => evaluate(expression, vars);

const errorOf = (run: () => unknown): ExpressionError => thrown(run, ExpressionError);

describe('expression language', () => {
  it('evaluates literals', () => {
    expect(ev("'single'")).toBe('single');
    expect(ev('"double \\"quoted\\""')).toBe('double "quoted"');
    expect(ev('42')).toBe(42);
    expect(ev('3.5')).toBe(3.5);
    expect([ev('true'), ev('True'), ev('false'), ev('False')]).toEqual([true, true, false, false]);
    expect([ev('none'), ev('None'), ev('null')]).toEqual([null, null, null]);
    expect(ev("[1, 'a', [2]]")).toEqual([1, 'a', [2]]);
    expect(ev("{'k': 1, 'n': [true]}")).toEqual({ k: 1, n: [true] });
  });

  it("to_json and to_nice_json write what Ansible's (Python's json.dumps) writes, byte for byte", () => {
    const value = "{'b': 1, 'a': ['é', {'d': none, 'c': true}], 'e': {}}";
    expect(ev(`${value} | to_json`)).toBe("{\"b\": 1, \"a\": [\"\\u00e9\", {\"d\": null, \"c\": true}], \"e\": {}}");
    expect(ev(`${value} | to_nice_json`)).toBe("{\n    \"a\": [\n        \"\\u00e9\",\n        {\n            \"c\": true,\n            \"d\": null\n        }\n    ],\n    \"b\": 1,\n    \"e\": {}\n}");
    expect(ev(`${value} | to_nice_json(indent=2, sort_keys=false)`)).toBe("{\n  \"b\": 1,\n  \"a\": [\n    \"\\u00e9\",\n    {\n      \"d\": null,\n      \"c\": true\n    }\n  ],\n  \"e\": {}\n}");
  });

  it('reads variables, attributes and indexes', () => {
    expect(ev('result.rc')).toBe(0);
    expect(ev("result['stdout']")).toBe(vars.result.stdout);
    expect(ev('packages[0]')).toBe('nginx');
    expect(ev('packages[-1]')).toBe('curl');
    expect(ev('packages.1')).toBe('curl');
    expect(ev("settings['server-name']")).toBe('example.org');
    expect(ev('settings.tls.enabled')).toBe(true);
    expect(ev('packages[0:1]')).toEqual(['nginx']);
  });

  it('compares, including chained comparisons and structural equality', () => {
    expect(ev('result.rc == 0')).toBe(true);
    expect(ev('result.rc != 0')).toBe(false);
    expect(ev('port > 80 and port <= 8080')).toBe(true);
    expect(ev('1 < port < 9000')).toBe(true);
    expect(ev("'a' < 'b'")).toBe(true);
    expect(ev("packages == ['nginx', 'curl']")).toBe(true);
    expect(ev('port == port_text')).toBe(false);
  });

  it('has and/or/not with Python semantics (short-circuit, operand values)', () => {
    expect(ev('not result.failed')).toBe(true);
    expect(ev('empty or name')).toBe('Web');
    expect(ev('name and port')).toBe(8080);
    expect(ev('false and undefined_var')).toBe(false);
    expect(ev('true or undefined_var')).toBe(true);
    expect(ev('not (true and false)')).toBe(true);
  });

  it('has in / not in for strings, lists and dict keys', () => {
    expect(ev("'configuration ok' in result.stdout")).toBe(true);
    expect(ev("'nginx' in packages")).toBe(true);
    expect(ev("'vim' not in packages")).toBe(true);
    expect(ev("'tls' in settings")).toBe(true);
    expect(ev("'nope' in settings")).toBe(false);
  });

  it('has is defined / undefined / none and the registered-result tests', () => {
    expect(ev('result is defined')).toBe(true);
    expect(ev('missing is defined')).toBe(false);
    expect(ev('missing is not defined')).toBe(true);
    expect(ev('missing is undefined')).toBe(true);
    expect(ev('result.nope is defined')).toBe(false);
    expect(ev('missing.deeper is defined')).toBe(false);
    expect(ev('nothing is none')).toBe(true);
    expect(ev('result is succeeded')).toBe(true);
    expect(ev('result is success')).toBe(true);
    expect(ev('failed_result is failed')).toBe(true);
    expect(ev('failed_result is not succeeded')).toBe(true);
    expect(ev('result is changed')).toBe(true);
    expect(ev('failed_result is changed')).toBe(false);
    expect(ev('loop_result is changed')).toBe(true);
    expect(ev('skipped_result is skipped')).toBe(true);
    expect(ev('result is skipped')).toBe(false);
    expect(ev('port is divisibleby 8')).toBe(true);
    expect(ev("name is match('W')")).toBe(true);
    expect(ev("'1.10.2' is version('1.9', '>')")).toBe(true);
    expect(ev("'12.4' is version('12.4.0', '==')")).toBe(true);
    expect(ev("'2.0' is version('10.0', 'lt')")).toBe(true);
    expect(() => ev("'1' is version('2', '~~')")).toThrow(/unknown operator/);
  });

  it('does arithmetic', () => {
    expect(ev('port + 1')).toBe(8081);
    expect(ev('port - 80 * 2')).toBe(7920);
    expect(ev('(port - 80) * 2')).toBe(16000);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('7 // 2')).toBe(3);
    expect(ev('7 % 3')).toBe(1);
    expect(ev('-port')).toBe(-8080);
    expect(ev("name ~ '-' ~ port")).toBe('Web-8080');
    expect(ev("'a' + 'b'")).toBe('ab');
    expect(ev('packages + [1]')).toEqual(['nginx', 'curl', 1]);
  });

  it('applies filters', () => {
    expect(ev('packages | length')).toBe(2);
    expect(ev('result.stdout | length > 0')).toBe(true);
    expect(ev('port_text | int + 1')).toBe(8081);
    expect(ev("'3.7' | int")).toBe(3);
    expect(ev("'abc' | int")).toBe(0);
    expect(ev("'2.5' | float")).toBe(2.5);
    expect(ev('flag | bool')).toBe(true);
    expect(ev("'no' | bool")).toBe(false);
    expect(ev('port | string')).toBe('8080');
    expect(ev('name | lower')).toBe('web');
    expect(ev('name | upper')).toBe('WEB');
    expect(ev("'  x  ' | trim")).toBe('x');
    expect(ev("missing | default('fallback')")).toBe('fallback');
    expect(ev("missing.deep | default('fallback')")).toBe('fallback');
    expect(ev("empty | default('fallback')")).toBe('');
    expect(ev("empty | default('fallback', true)")).toBe('fallback');
    expect(ev("packages | join(', ')")).toBe('nginx, curl');
    expect(ev('packages | first')).toBe('nginx');
    expect(ev('packages | last')).toBe('curl');
    expect(ev("servers | map(attribute='name') | list")).toEqual(['a', 'b']);
    expect(ev("servers | sort(attribute='weight') | map(attribute='name') | join")).toBe('ba');
    expect(ev("servers | selectattr('weight', 'gt', 1) | map(attribute='name') | list")).toEqual(['a']);
    expect(ev("result.stdout.split('\\n') | first")).toBe('nginx: configuration ok');
    expect(ev("\"it's\" | quote")).toBe(`'it'"'"'s'`);
  });

  it('calls a few safe methods', () => {
    expect(ev("result.stdout.startswith('nginx')")).toBe(true);
    expect(ev("settings.get('missing', 'd')")).toBe('d');
    expect(ev("'a,b'.split(',')")).toEqual(['a', 'b']);
    expect(() => ev("name.constructor('x')")).toThrow(/has no method 'constructor'/);
  });

  it('never reaches JavaScript internals', () => {
    expect(ev('name.constructor is defined')).toBe(false);
    expect(ev('settings.__proto__ is defined')).toBe(false);
    expect(ev('packages.length is defined')).toBe(false);
    expect(() => ev('toString')).toThrow(/'toString' is undefined/);
  });

  it('evaluates conditions: booleans, strings, lists (AND) and {{ }}-wrapped expressions', () => {
    expect(evaluateCondition(true, vars)).toBe(true);
    expect(evaluateCondition('result.rc == 0', vars)).toBe(true);
    expect(evaluateCondition(['result.rc == 0', 'port > 1'], vars)).toBe(true);
    expect(evaluateCondition(['result.rc == 0', false], vars)).toBe(false);
    expect(evaluateCondition('{{ result is changed }}', vars)).toBe(true);
    expect(evaluateCondition('empty', vars)).toBe(false);
    expect(evaluateCondition('packages', vars)).toBe(true);
    // a list condition stops at the first false one, like Ansible's `when` list
    expect(evaluateCondition([false, 'undefined_var'], vars)).toBe(false);
  });

  it('reports an undefined variable by name, with the origin file:line', () => {
    const err = errorOf(() => evaluateCondition('http_port == 80', vars, { file: 'roles/nginx/tasks/main.yml', line: 12 }));
    expect(err.variable).toBe('http_port');
    expect(err.message).toBe("roles/nginx/tasks/main.yml:12: 'http_port' is undefined in expression: http_port == 80");
    expect(errorOf(() => ev('result.nope == 1')).variable).toBe('result.nope');
    expect(errorOf(() => ev('missing.a.b')).variable).toBe('missing');
  });

  it('reports syntax errors with the column', () => {
    const err = errorOf(() => ev('result.rc =='));
    expect(err.message).toMatch(/^syntax error: unexpected end of expression at column 13/);
    expect(err.column).toBe(13);
    expect(errorOf(() => ev('a b')).column).toBe(3);
    expect(errorOf(() => ev("'open")).message).toMatch(/unterminated string at column 1/);
    expect(errorOf(() => ev('x $ y')).message).toMatch(/unexpected character '\$' at column 3/);
    expect(errorOf(() => evaluateCondition('(1', vars, { file: 'p.yml', line: 3 })).message).toMatch(/^p\.yml:3: syntax error: expected '\)'/);
  });

  it('reports type errors, unknown filters and tests clearly', () => {
    expect(() => ev("'a' < 1")).toThrow(/'<' cannot compare string and number/);
    expect(() => ev('port / 0')).toThrow(/division by zero/);
    expect(() => ev('port | nosuch')).toThrow(/unknown filter 'nosuch'/);
    expect(() => ev('port is nosuch')).toThrow(/unknown test 'nosuch'/);
    expect(() => ev('port is changed')).toThrow(/expects a registered result/);
    expect(() => ev('1 in 2')).toThrow(/'in' needs a string, a list or a dict/);
  });
});
