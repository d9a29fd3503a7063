import { MIN_SECRET_LENGTH, REDACTED, Redactor } from '../../src/data/redaction';

describe('Redactor', () => {
  it('redacts every occurrence of every secret', () => {
    const secrets = new Redactor();
    secrets.add('hunter2');
    secrets.add('t0ken-abc', 'vault');
    expect(secrets.redact('pw=hunter2 and hunter2; token t0ken-abc')).toBe(`pw=${REDACTED} and ${REDACTED}; token ${REDACTED}`);
    expect(secrets.redact('nothing here')).toBe('nothing here');
  });

  it('masks the longer secret whole when one secret contains another', () => {
    const secrets = new Redactor();
    secrets.add('abc');
    secrets.add('abcdef');
    expect(secrets.redact('xabcdefx abc')).toBe(`x${REDACTED}x ${REDACTED}`);
  });

  it('treats secrets literally, not as regular expressions', () => {
    const secrets = new Redactor();
    secrets.add('a.b*c(');
    expect(secrets.redact('a.b*c( aXbbc')).toBe(`${REDACTED} aXbbc`);
  });

  it('redacts each line of a multi-line secret and its JSON-escaped form', () => {
    const secrets = new Redactor();
    const key = '-----BEGIN KEY-----\nMIIsecretline\n-----END KEY-----';
    secrets.add(key);
    expect(secrets.redact(`partial: MIIsecretline`)).toBe(`partial: ${REDACTED}`);
    expect(secrets.redact(JSON.stringify({ key }))).not.toContain('MIIsecretline');
    expect(secrets.redact(JSON.stringify({ pw: 'quo"te' }))).toContain('quo');
    secrets.add('quo"te');
    expect(secrets.redact(JSON.stringify({ pw: 'quo"te' }))).toBe(`{"pw":"${REDACTED}"}`);
  });

  it(`ignores values shorter than ${MIN_SECRET_LENGTH} characters, which would mangle all output`, () => {
    const secrets = new Redactor();
    secrets.add('a');
    secrets.add('  ');
    expect(secrets.size).toBe(0);
    expect(secrets.redact('a b c')).toBe('a b c');
  });

  it('marks values that came from vault, and keeps the mark', () => {
    const secrets = new Redactor();
    secrets.add('from-vault', 'vault');
    secrets.add('no-log-value');
    secrets.add('from-vault');
    expect(secrets.fromVault('from-vault')).toBe(true);
    expect(secrets.fromVault('no-log-value')).toBe(false);
    expect(secrets.has('no-log-value')).toBe(true);
    expect(secrets.contains('xx no-log-value xx')).toBe(true);
    expect(secrets.contains('clean')).toBe(false);
  });

  it('registers the string leaves of a structure and redacts inside structures', () => {
    const secrets = new Redactor();
    secrets.addAll({ db: { password: 'p4ssw0rd', port: 5432 }, keys: ['k3y-one'] }, 'vault');
    expect(secrets.has('p4ssw0rd')).toBe(true);
    expect(secrets.has('k3y-one')).toBe(true);
    expect(secrets.has('5432')).toBe(false);
    expect(secrets.redactValue({ msg: 'login p4ssw0rd', list: ['k3y-one', 3] })).toEqual({ msg: `login ${REDACTED}`, list: [REDACTED, 3] });
  });
});

describe('Redactor: the forms a secret is printed in', () => {
  const SECRET = "Tr0ub4dor &3 horse'staple";
  const secrets = new Redactor();
  secrets.add(SECRET, 'vault');
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('in any case', () => {
    for (const shown of [SECRET.toUpperCase(), SECRET.toLowerCase(), SECRET.charAt(0) + SECRET.slice(1).toLowerCase()]) {
      expect(secrets.redact(`pw=${shown};`)).toBe(`pw=${REDACTED};`);
    }
  });

  it('JSON-escaped, in a single-quoted YAML string, shell-quoted, URL-encoded (%20 or +, %xx in either case)', () => {
    expect(secrets.redact(JSON.stringify({ pw: SECRET }))).toBe(`{"pw":"${REDACTED}"}`);
    expect(secrets.redact(`pw: '${SECRET.replaceAll("'", "''")}'`)).toBe(`pw: '${REDACTED}'`);
    expect(secrets.redact(`mysql -p'${SECRET.replaceAll("'", `'"'"'`)}'`)).toBe(`mysql -p${REDACTED}`);
    const url = encodeURIComponent(SECRET);
    for (const shown of [url, url.replaceAll('%20', '+'), url.toLowerCase()]) expect(secrets.redact(`https://h/?pw=${shown}&x=1`)).toBe(`https://h/?pw=${REDACTED}&x=1`);
  });

  it('in base64: whole, and inside the base64 of a longer text at any offset, leaving at most the bytes it shares with its neighbours', () => {
    expect(secrets.redact(b64(SECRET))).toBe(REDACTED);
    for (const prefix of ['', 'a', 'ad', 'admin:', 'admin:x']) {
      for (const suffix of ['', '!', '\n--']) {
        const shown = secrets.redact(b64(`${prefix}${SECRET}${suffix}`));
        const [before, after, ...more] = shown.split(REDACTED);
        expect(more).toEqual([]);
        expect(before.length).toBeLessThanOrEqual(Math.ceil(prefix.length / 3) * 4);
        expect(after.length).toBeLessThanOrEqual(Math.ceil(suffix.length / 3) * 4 + 4);
      }
    }
  });

  it('derived forms shorter than the secret are not registered: they would mask unrelated text', () => {
    const short = new Redactor();
    short.add('abcde');
    expect(short.redact(b64('abcde'))).toBe(REDACTED);
    // of 'abcde' at offset 0 only 'YWJj' (the base64 of 'abc') is complete: it stands for less than the secret
    expect(short.redact(`${b64('abc')} ${b64('abcdX')}`)).toBe(`${b64('abc')} ${b64('abcdX')}`);
  });
});
