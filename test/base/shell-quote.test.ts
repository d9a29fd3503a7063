import { execFileSync } from 'node:child_process';
import { ENV_NAME, shellQuote, shlexQuote } from '../../src/base/shell-quote';

/** Runs shell text with the real /bin/sh, so quoting is proven by the shell, not by string comparison. */
function sh(script: string): string {
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
}

const WORDS = ['plain', '', "it's", "'", "''", "'lead", "trail'", "a''b", 'a b', '$HOME', '`id`', '\\', '"q"', 'x;y|z&', '*', 'line\nbreak', '-n', 'é', 'a\tb', '/etc/nginx/nginx.conf', 'k=v,w:x@y%z+1'];

describe('shellQuote', () => {
  test.each(WORDS)('%j survives sh', (value) => {
    expect(sh(`printf '%s' ${shellQuote(value)}`)).toBe(value);
  });

  test('leaves safe words bare and refuses NUL', () => {
    expect(shellQuote('/etc/nginx/nginx.conf')).toBe('/etc/nginx/nginx.conf');
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shlexQuote', () => {
  test("is Python's shlex.quote, word for word (Ansible's quote filter)", () => {
    const words = [...WORDS, 'a\0b'];
    const python = execFileSync('python3', ['-c', 'import json, shlex, sys; print(json.dumps([shlex.quote(w) for w in json.load(sys.stdin)]))'], { input: JSON.stringify(words), encoding: 'utf8' });
    expect(words.map(shlexQuote)).toEqual(JSON.parse(python));
  });
});

test('ENV_NAME: what export accepts', () => {
  expect(['A', '_x', 'PATH_2'].every((name) => ENV_NAME.test(name))).toBe(true);
  expect(['', '2A', 'A-B', 'A B', 'A=B'].some((name) => ENV_NAME.test(name))).toBe(false);
});
