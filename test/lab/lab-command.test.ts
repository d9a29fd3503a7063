import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { registerLabCommand } from '../../src/cli/lab-command';
import { labLayout } from '../../src/lab/layout';

function program(): { run: (...args: string[]) => Promise<string>; lab: Command } {
  const root = new Command('play').exitOverride().configureOutput({ writeErr: () => undefined });
  const lab = registerLabCommand(root);
  const run = async (...args: string[]): Promise<string> => {
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (chunks.push(String(chunk)), true));
    try {
      await root.parseAsync(['node', 'play', 'lab', ...args]);
    } finally {
      write.mockRestore();
    }
    return chunks.join('');
  };
  return { run, lab };
}

describe('play lab', () => {
  test('offers up, down, status, add-app, publish-update and reboot-required', () => {
    expect(program().lab.commands.map((c) => c.name())).toEqual(['up', 'down', 'status', 'add-app', 'publish-update', 'reboot-required']);
  });

  test('status of a lab that does not exist says so (text and JSON)', async () => {
    const { run } = program();
    expect(await run('status', '--name', 'nosuchlab')).toBe('no lab named nosuchlab\n');
    const json = JSON.parse(await run('status', '--name', 'nosuchlab', '--json'));
    expect(json).toMatchObject({ name: 'nosuchlab', exists: false, hosts: [] });
  });

  test('up refuses a bad --apps before touching anything', async () => {
    await expect(program().run('up', '--name', 'nosuchlab', '--apps', '0')).rejects.toThrow('--apps 0: expected a whole number from 1 to 200');
    await expect(program().run('up', '--name', 'nosuchlab', '--apps', 'two')).rejects.toThrow("option '--apps <n>' argument 'two' is invalid. expected a whole number");
    expect(existsSync(labLayout('nosuchlab').stateDir)).toBe(false);
  });
});
