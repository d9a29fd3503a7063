import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runPlayCommand } from '../../src/cli/play-command';

/**
 * Where each case of the shared corpus of real Ansible roles stands: `play site.yml -i inv.yml
 * --syntax-check`, run through the CLI's own entry on the files exactly as published (read in
 * place, never written). A case that loads is asserted to load; a case that does not is pinned to
 * its first error, so fixing what stops it makes this test say so.
 */
const CORPUS = '/work/shared/ansible-corpus';

/** The first error of each case, or 'ok'. */
const EXPECTED: Record<string, string> = {
  firewall: 'ok',
  nginx: `${CORPUS}/nginx/roles/geerlingguy.nginx/tasks/setup-Ubuntu.yml:8: unknown module 'apt_repository'`,
  ntp: `${CORPUS}/ntp/roles/geerlingguy.ntp/tasks/main.yml:41: unknown module 'timezone'`,
  rsyslog: `${CORPUS}/rsyslog/roles/robertdebock.rsyslog/handlers/main.yml:10: rescue: a block of handlers with rescue or always is not supported yet (its block: tasks can be handlers)`,
  security: 'ok',
  ssh_hardening: `${CORPUS}/ssh_hardening/roles/ssh_hardening/tasks/crypto_hostkeys.yml:3: unknown module 'community.crypto.openssh_keypair'`,
  swap: `${CORPUS}/swap/roles/geerlingguy.swap/tasks/main.yml:3: unknown module 'mount'`,
  unattended_upgrades: 'ok',
};

async function syntaxCheck(dir: string): Promise<string> {
  const errors: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((text) => (errors.push(String(text)), true));
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await runPlayCommand('site.yml', { inventory: ['inv.yml'], syntaxCheck: true }, dir);
    const first = errors.join('').split('\n').find((line) => line.startsWith('ERROR! '));
    if (code === 0 && first === undefined) return 'ok';
    return first?.slice('ERROR! '.length) ?? `exit ${code} without an error line`;
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

const cases = existsSync(CORPUS) ? readdirSync(CORPUS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];

describe('the Ansible corpus under --syntax-check', () => {
  test('every case of the corpus is listed here', () => {
    expect(cases.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(cases)('%s', async (name) => {
    expect(await syntaxCheck(join(CORPUS, name))).toBe(EXPECTED[name]);
  });
});
