import type { Command } from 'commander';

interface InventoryCommandOptions {
  fromOutputs: string;
  out: string;
  identityFile?: string;
  template?: string;
  stack?: string;
}

/** `play inventory --from-outputs FILE --out DIR`: the seam from `cdktf deploy` to `play site`. */
export function registerInventoryCommand(program: Command): Command {
  return program
    .command('inventory')
    .description('render hosts.yml and ssh.config from the stack outputs (cdktf --outputs-file or terraform output -json)')
    .requiredOption('--from-outputs <file>', 'outputs file: cdktf deploy/output --outputs-file, terraform output -json, or the lab\'s outputs.json')
    .requiredOption('--out <dir>', 'inventory directory to write, e.g. inventory/staging')
    .option('--identity-file <file>', 'private key for every host (IdentityFile in ssh.config)')
    .option('--template <file>', 'Handlebars template for ssh.config (default: the repository\'s ssh.config.template)')
    .option('--stack <name>', 'stack to use when the outputs file holds several')
    .action(async (options: InventoryCommandOptions) => {
      // The bridge (stack outputs schema, templates) loads only for this command, not for every playbook run.
      const { renderInventoryFromOutputs } = await import('../bridge/bridge');
      const result = await renderInventoryFromOutputs({
        outputsFile: options.fromOutputs,
        inventoryDir: options.out,
        identityFile: options.identityFile,
        template: options.template,
        stack: options.stack,
      });
      const hosts = result.outputs.app_instances.length + result.outputs.log_collectors.length + 1;
      process.stdout.write(`${result.hostsFile}\n${result.sshConfigFile}\n${hosts} hosts in the ${result.outputs.environment} inventory\n`);
    });
}
