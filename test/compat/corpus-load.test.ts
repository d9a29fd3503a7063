import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runPlayCommand } from '../../src/cli/play-command';

/**
 * Every case of the shared corpus of real Ansible roles loads as ansible-core 2.14 loads it:
 * `play site.yml -i inv.yml --syntax-check` and `--list-tasks`, run through the CLI's own entry on
 * the files exactly as published (read in place, never written), exit 0 without an error.
 */
const CORPUS = '/work/shared/ansible-corpus';
const CASES = ['firewall', 'nginx', 'ntp', 'rsyslog', 'security', 'ssh_hardening', 'swap', 'unattended_upgrades'];

/** 'ok', or the first error line the run printed. */
async function load(dir: string, mode: 'syntaxCheck' | 'listTasks'): Promise<string> {
  const errors: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((text) => (errors.push(String(text)), true));
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await runPlayCommand('site.yml', { inventory: ['inv.yml'], [mode]: true }, dir);
    const first = errors.join('').split('\n').find((line) => line.startsWith('ERROR! '));
    if (code === 0 && first === undefined) return 'ok';
    return first?.slice('ERROR! '.length) ?? `exit ${code} without an error line`;
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

const cases = existsSync(CORPUS) ? readdirSync(CORPUS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];

describe('the Ansible corpus loads', () => {
  test('every case of the corpus is here', () => {
    expect(cases.sort()).toEqual(CASES);
  });

  test.each(CASES)('%s: --syntax-check and --list-tasks', async (name) => {
    expect({ syntaxCheck: await load(join(CORPUS, name), 'syntaxCheck'), listTasks: await load(join(CORPUS, name), 'listTasks') }).toEqual({ syntaxCheck: 'ok', listTasks: 'ok' });
  });
});
