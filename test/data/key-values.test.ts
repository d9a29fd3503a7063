import { parseKeyValues, parseKv, splitArgs } from '../../src/data/key-values';

describe("key=value arguments, as Ansible's split_args / parse_kv read them", () => {
  test('quotes and Jinja2 blocks keep their spaces', () => {
    expect(splitArgs(`line="{{ item }}" state=present dest=/etc/rsyslog.conf`)).toEqual(['line="{{ item }}"', 'state=present', 'dest=/etc/rsyslog.conf']);
    expect(splitArgs(`msg={{ a | default('x y') }} other='p q'`)).toEqual([`msg={{ a | default('x y') }}`, `other='p q'`]);
    // as in Ansible, a statement protects its own inside only, not the text between two statements
    expect(splitArgs('a={% if x %}1{% endif %} b={# c d #} e=1')).toEqual(['a={% if x %}1{% endif %}', 'b={# c d #}', 'e=1']);
  });

  test('values are unquoted only when quoted at both ends', () => {
    expect(parseKv(`a="x y" b='it' c=x"y" d="e\\"f"`).values).toEqual({ a: 'x y', b: 'it', c: 'x"y"', d: 'e\\"f' });
  });

  test('an unclosed quote or block is refused', () => {
    expect(() => splitArgs('a="x y')).toThrow('no closing quotation');
    expect(() => splitArgs('a={{ x')).toThrow('missing }}');
  });

  test('with only some keys as options (command, shell) the other words stay raw, in order', () => {
    expect(parseKv('creates=/x chdir=/tmp make install PREFIX=/usr', new Set(['creates', 'chdir']))).toEqual({
      values: { creates: '/x', chdir: '/tmp' },
      raw: ['make', 'install', 'PREFIX=/usr'],
    });
  });

  test('parseKeyValues reports words that are not key=value', () => {
    expect(parseKeyValues('a=1 b="x y"')).toEqual({ values: { a: '1', b: 'x y' } });
    expect(parseKeyValues('a=1 oops')).toEqual({ unreadable: 'oops' });
  });
});
