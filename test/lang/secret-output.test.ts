import { Redactor } from '../../src/data/redaction';
import { evaluate } from '../../src/lang/expressions';
import { TemplateError, renderTemplate, renderValue } from '../../src/lang/templates';
import { thrown } from '../support/thrown';

/** What the language prints of a secret: redactable, or not printed at all (issue 12, findings 7, 14, 15). */

const SECRET = 'xQ7!vault-S3cret-zz9';
const at = { file: 'play.yml', line: 7 };

const errorOf = thrown;

/** Any four characters of the secret in a row: the cut quotes the redaction cannot recognise. */
function quotesPartOf(text: string, secret: string): boolean {
  for (let i = 0; i + 4 <= secret.length; i += 1) if (text.includes(secret.slice(i, i + 4))) return true;
  return false;
}

describe('parse errors of from_json / from_yaml name the position, never the input', () => {
  test.each([
    ['from_json', SECRET, /^play\.yml:7: from_json: the input is not valid JSON at column 7 in \{\{ token \| from_json \}\}$/],
    ['from_json', `{"a": 1, "b": ${SECRET}}`, /^play\.yml:7: from_json: the input is not valid JSON at column 7 in/],
    ['from_json', `{"a": 1 ${SECRET}`, /from_json: the input is not valid JSON \(input character 9\)/],
    ['from_yaml', `a: [${SECRET}`, /^play\.yml:7: from_yaml: the input is not valid YAML \(input line 1, column 25\) at column 7 in/],
    ['from_yaml', `a: *${SECRET}`, /from_yaml: the input is not valid YAML/],
  ])('%s of %j', (filter, token, expected) => {
    const err = errorOf(() => renderValue(`{{ token | ${filter} }}`, { token }, at));
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.message).toMatch(expected);
    expect(quotesPartOf(err.message, SECRET)).toBe(false);
  });

  test('a wrong input type is still told as such', () => {
    expect(errorOf(() => evaluate('x | from_json', { x: [1] })).message).toContain("the 'from_json' filter expects a string, not list");
  });

  test("from_yaml's warnings, which quote the input, are not written to stderr", () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(evaluate('x | from_yaml', { x: 'key: !S3cretTag value' })).toEqual({ key: 'value' });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('derived forms of a secret are redacted', () => {
  const long = `${SECRET} with spaces, long enough that YAML would fold it over two lines`;

  test.each([
    ['x | b64encode', SECRET],
    ["('admin:' ~ x) | b64encode", SECRET],
    ["('ad:' ~ x ~ ':rest') | b64encode", SECRET],
    ["('a:' ~ x ~ ':rest') | b64encode", SECRET],
    ['x | upper', SECRET],
    ['x | lower', SECRET],
    ['x | capitalize', SECRET],
    ['x | quote', `${SECRET}'s`],
    ['{"pw": x} | to_json', `${SECRET}"\n`],
    ['{"pw": x} | to_nice_yaml', long],
    ['{"pw": x} | to_yaml', long],
    ['{"pw": x} | to_nice_yaml', `${SECRET}: it's`],
  ])('%s', (expression, x) => {
    const secrets = new Redactor();
    secrets.add(x, 'vault');
    const shown = secrets.redact(String(evaluate(expression, { x })));
    expect(shown).toContain('********');
    expect(quotesPartOf(shown, SECRET)).toBe(false);
  });

  test('to_nice_yaml and to_yaml never fold a long string', () => {
    expect(evaluate('{"pw": x} | to_nice_yaml', { x: long })).toBe(`pw: ${long}\n`);
    expect(evaluate('{"pw": x} | to_yaml', { x: long })).toBe(`pw: ${long}\n`);
  });
});

describe("Handlebars' log helper", () => {
  test('is refused with a clear error naming file and line, and prints nothing', () => {
    const printed = ['log', 'info', 'warn', 'error', 'debug'].map((name) => jest.spyOn(console, name as 'log').mockImplementation(() => undefined));
    try {
      const err = errorOf(() => renderTemplate(`port 80\n{{log token}}\n`, { token: SECRET }, { file: 'templates/site.conf' }));
      expect(err).toBeInstanceOf(TemplateError);
      expect(err.message).toBe("templates/site.conf:2: the 'log' helper is not supported: it would print values, secrets included, unredacted (use a debug task)");
      expect(errorOf(() => renderTemplate('{{log "x" token level="error"}}', { token: SECRET }, { file: 't' })).message).toContain("'log' helper is not supported");
      expect(errorOf(() => renderTemplate('{{#log token}}{{/log}}', { token: SECRET }, { file: 't' })).message).toContain("'log' helper is not supported");
      expect(errorOf(() => renderValue('{{ log token }}', { token: SECRET }, at)).message).toMatch(/^play\.yml:7: the 'log' helper is not supported/);
      for (const spy of printed) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of printed) spy.mockRestore();
    }
  });

  test('`{{log}}` alone is a variable named log, as for every helper', () => {
    expect(renderTemplate('{{log}}', { log: 'debug.log' }, { file: 't' })).toBe('debug.log');
    expect(errorOf(() => renderTemplate('{{log}}', {}, { file: 't' })).message).toBe("t:1: 'log' is undefined");
  });

  test("Handlebars' lookup helper reads own properties only, like a path", () => {
    expect(renderTemplate('{{lookup ports "web"}}', { ports: { web: 80 } }, { file: 't' })).toBe('80');
  });
});
