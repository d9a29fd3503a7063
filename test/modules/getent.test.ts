import { getModule } from '../../src/modules';
import { parseGetent } from '../../src/modules/commands/getent';
import { LocalConnection } from '../../src/transport';
import { ansibleResults } from './ansible-oracle';
import { makeContext, runModule } from './context';

/**
 * getent run by play and by ansible-core on the controller: the same `getent_<database>` facts
 * and failures. Only databases read from local files (passwd, group, services): never one that
 * would ask a resolver.
 */
const conn = new LocalConnection();
const getent = getModule('ansible.builtin.getent');

const CALLS: Array<Record<string, unknown>> = [
  { database: 'passwd', key: 'root' },
  { database: 'group' },
  { database: 'passwd', key: 0, service: 'files' },
  { database: 'passwd', key: 'root', split: 'x' },
  { database: 'services' },
  { database: 'services', key: 'ssh' },
  { database: 'passwd', key: 'no-such-user-h4', fail_key: false },
  { database: 'passwd', key: 'no-such-user-h4' },
  { database: 'no-such-database' },
];

async function byPlay(args: Record<string, unknown>, check = false): Promise<Record<string, unknown>> {
  try {
    const result = await runModule(getent!, args, makeContext(conn, { check }));
    return { failed: false, changed: result.changed, ansible_facts: result.ansible_facts, ...(result.msg ? { msg: result.msg } : {}) };
  } catch (err) {
    return { failed: true, msg: (err as Error).message };
  }
}

describe('getent, as ansible.builtin.getent', () => {
  test('the same facts (duplicate keys as lists), messages and failures as Ansible', async () => {
    const reference = ansibleResults(CALLS.map((args) => ({ 'ansible.builtin.getent': args })));
    for (const [i, args] of CALLS.entries()) {
      const expected = reference[i].failed
        ? { failed: true, msg: reference[i].msg }
        : { failed: false, changed: false, ansible_facts: reference[i].ansible_facts, ...(reference[i].msg ? { msg: reference[i].msg } : {}) };
      expect({ args, ...(await byPlay(args)) }).toEqual({ args, ...expected });
    }
    // the services database has names on several lines (tcp and udp): a list of each line's fields
    const services = (await byPlay({ database: 'services' })).ansible_facts as { getent_services: Record<string, unknown> };
    expect(Object.values(services.getent_services).some((v) => Array.isArray(v) && Array.isArray(v[0]))).toBe(true);
  });

  test('check mode reads as usual', async () => {
    expect(await byPlay({ database: 'passwd', key: 'root' }, true)).toMatchObject({ failed: false, changed: false, ansible_facts: { getent_passwd: { root: expect.arrayContaining(['x', '0', '0', 'root']) } } });
  });

  test('parsing: colon split keeps empty fields, whitespace split collapses runs, a repeated key collects every entry', () => {
    expect(parseGetent('a::1:\n', ':')).toEqual({ a: ['', '1', ''] });
    expect(parseGetent('ssh   22/tcp\nssh 22/udp  alias\nssh 22/sctp\n', undefined)).toEqual({ ssh: [['22/tcp'], ['22/udp', 'alias'], ['22/sctp']] });
  });
});
