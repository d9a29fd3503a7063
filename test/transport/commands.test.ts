import { execFileSync } from 'node:child_process';
import { buildPutScript, buildReadCommand, buildRunCommand, normaliseMode, putStepForExit, sudoRefusal, wrapBecome } from '../../src/transport/commands';

/** Runs shell text with the real /bin/sh, so quoting is proven by the shell, not by string comparison. */
function sh(script: string): string {
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
}

describe('become', () => {
  test('sudo -n -H -u USER -- sh -c with the script quoted once', () => {
    expect(wrapBecome("echo 'hi'", { become: true, becomeUser: 'www-data' })).toBe(`sudo -n -H -u www-data -- sh -c 'echo '"'"'hi'"'"''`);
    expect(wrapBecome('id', { become: true })).toBe('sudo -n -H -u root -- sh -c id');
    expect(wrapBecome('id', { become: false, becomeUser: 'x' })).toBe('id');
  });

  test('sudo refusals are recognised by their line, whatever else is on stderr', () => {
    expect(sudoRefusal('Could not chdir to home directory /x\nsudo: a password is required\n')).toBe('sudo: a password is required');
    expect(sudoRefusal('sudo: unknown user nosuch\nsudo: error initializing audit plugin\n')).toBe('sudo: unknown user nosuch');
    expect(sudoRefusal('grep: a password is required\n')).toBeUndefined();
  });
});

describe('buildRunCommand', () => {
  test('env and cwd are applied inside the (become) shell and the command runs as written', () => {
    const line = buildRunCommand('echo "$A|$(pwd)"; echo second', { env: { A: "x'y" }, cwd: '/tmp' });
    expect(sh(line)).toBe("x'y|/tmp\nsecond\n");
  });

  test('a missing cwd stops the command', () => {
    expect(() => sh(buildRunCommand('echo ran', { cwd: '/nonexistent-dir' }))).toThrow();
  });

  test('bad environment names are refused before anything runs', () => {
    expect(() => buildRunCommand('true', { env: { 'A;rm': 'x' } })).toThrow(/invalid environment variable name/);
  });
});

describe('buildPutScript', () => {
  test('modes are octal strings or numbers', () => {
    expect(normaliseMode('644')).toBe('0644');
    expect(normaliseMode(0o600)).toBe('0600');
    expect(() => normaliseMode('rw-r--r--')).toThrow(/invalid file mode/);
  });

  test('validation needs %s and each step has its own exit status', () => {
    expect(() => buildPutScript('/etc/x', { validate: 'nginx -t' })).toThrow(/must contain %s/);
    expect(() => buildPutScript('/etc/')).toThrow(/not a file path/);
    expect(putStepForExit(94)).toBe('validate');
    expect(putStepForExit(1)).toBeUndefined();
  });

  test('the temp file sits beside the destination, named after it', () => {
    const script = buildPutScript('/etc/nginx/sites-enabled/default', { validate: 'nginx -t -c %s' });
    expect(script).toContain("mktemp /etc/nginx/sites-enabled/.default.play-XXXXXX");
    expect(script).toContain('( nginx -t -c "$tmp" ) >&2');
  });

  test('the read command tells a missing file from an unreadable one', () => {
    expect(buildReadCommand('/a b')).toBe(
      "[ -e '/a b' ] || { d='/a b'; while [ \"$d\" != / ] && [ \"$d\" != . ]; do d=$(dirname -- \"$d\"); [ -e \"$d\" ] && break; done; [ -x \"$d\" ] && exit 66; }\nexec cat -- '/a b'",
    );
  });
});
