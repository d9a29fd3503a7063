import { InvalidArgumentError, type Command } from 'commander';
import { labAddApp, labDown, labMarkRebootRequired, labPublishUpdate, labStatus, labUp } from '../lab';

interface NameOption {
  name: string;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

const nameOption = (command: Command): Command => command.option('--name <name>', 'which lab', 'default');
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`lab: ${line}\n`);

/** `play lab ...`: the AWS topology as booted Debian hosts on this machine (needs root). */
export function registerLabCommand(program: Command): Command {
  const lab = program.command('lab').description('the whole topology (bastion, load balancer, app hosts, logs) as booted Debian hosts on this machine');

  nameOption(lab.command('up').description('create and boot a lab; writes its outputs file and inventory'))
    .option('--apps <n>', 'number of app hosts', wholeNumber, 2)
    .action(async (options: NameOption & { apps: number }) => {
      const info = await labUp({ name: options.name, apps: options.apps, log: progress });
      for (const host of info.hosts) print(`${host.name.padEnd(10)} ${host.role.padEnd(8)} ${host.publicAddress ?? host.privateAddress}`);
      print(`outputs:   ${info.outputsFile}`);
      print(`inventory: ${info.inventoryDir}`);
      print(`try:       ssh -F ${info.sshConfigFile} app-1`);
    });

  nameOption(lab.command('down').description('stop and remove everything the lab created (safe to repeat, works on a half-created lab)')).action(
    async (options: NameOption) => {
      await labDown({ name: options.name, log: progress });
    },
  );

  nameOption(lab.command('status').description('hosts of the lab and whether they run'))
    .option('--json', 'machine-readable')
    .action(async (options: NameOption & { json?: boolean }) => {
      const status = await labStatus({ name: options.name });
      if (options.json) return print(JSON.stringify(status, null, 2));
      if (!status.exists) return print(`no lab named ${status.name}`);
      for (const host of status.hosts) print(`${host.name.padEnd(10)} ${host.role.padEnd(8)} ${host.address.padEnd(14)} ${host.running ? 'running' : 'STOPPED'}`);
    });

  nameOption(lab.command('add-app').description('add an app host to a running lab (outputs, inventory and load balancer follow)')).action(
    async (options: NameOption) => {
      const host = await labAddApp({ name: options.name, log: progress });
      print(`${host.name} ${host.privateAddress}`);
    },
  );

  nameOption(lab.command('publish-update').description('publish a newer lab-marker package (its install asks for a reboot) to the lab\'s apt repo')).action(
    async (options: NameOption) => {
      const version = await labPublishUpdate({ name: options.name });
      print(`lab-marker ${version} published`);
    },
  );

  nameOption(lab.command('reboot-required <hosts...>').description('mark hosts as needing a reboot (/var/run/reboot-required)')).action(
    async (hosts: string[], options: NameOption) => {
      await labMarkRebootRequired({ name: options.name, hosts });
    },
  );
  return lab;
}
