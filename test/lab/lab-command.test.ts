import { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  test('offers up, down, status, replace, drops, publish-update and reboot-required', () => {
    expect(program().lab.commands.map((c) => c.name())).toEqual(['up', 'down', 'status', 'replace', 'drops', 'publish-update', 'reboot-required']);
  });

  test('status of a lab that does not exist says so (text and JSON)', async () => {
    const { run } = program();
    expect(await run('status', '--name', 'nosuchlab')).toBe('no lab named nosuchlab\n');
    const json = JSON.parse(await run('status', '--name', 'nosuchlab', '--json'));
    expect(json).toMatchObject({ name: 'nosuchlab', exists: false, hosts: [] });
  });

  test('up without a synthesized stack says how to make one, before touching anything', async () => {
    const cwd = process.cwd();
    const scratch = mkdtempSync(path.join(tmpdir(), 'lab-cmd-'));
    process.chdir(scratch);
    try {
      await expect(program().run('up', '--name', 'nosuchlab')).rejects.toThrow(
        `no synthesized stack at ${path.join(scratch, 'cdktf.out/stacks/webtier-staging/cdk.tf.json')}: synthesize it first: WEBTIER_ENVIRONMENTS=staging npx cdktf synth`,
      );
      await expect(program().run('up', '--name', 'nosuchlab', '--environment', 'production')).rejects.toThrow('cdktf.out/stacks/webtier-production/cdk.tf.json: synthesize it first: WEBTIER_ENVIRONMENTS=production npx cdktf synth');
      await expect(program().run('up', '--name', 'nosuchlab', '--stack', 'x.json')).rejects.toThrow(`no synthesized stack at ${path.join(scratch, 'x.json')}: give the cdk.tf.json that \`cdktf synth\` wrote`);
    } finally {
      process.chdir(cwd);
      rmSync(scratch, { recursive: true, force: true });
    }
    expect(existsSync(labLayout('nosuchlab').stateDir)).toBe(false);
  });
});
