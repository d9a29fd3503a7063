import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabError } from '../lab/exec';

interface NameOption {
  name: string;
}

/** Where `cdktf synth` writes an environment's stack (stacks/web-tier-stack.ts names it webtier-<environment>). */
const synthesizedStack = (environment: string): string => path.join('cdktf.out', 'stacks', `webtier-${environment}`, 'cdk.tf.json');

function stackFile(options: { stack?: string; environment: string }): string {
  const file = path.resolve(options.stack ?? synthesizedStack(options.environment));
  if (!existsSync(file)) {
    const how = options.stack === undefined ? `synthesize it first: WEBTIER_ENVIRONMENTS=${options.environment} npx cdktf synth` : 'give the cdk.tf.json that `cdktf synth` wrote';
    throw new LabError(`no synthesized stack at ${file}: ${how}`);
  }
  return file;
}

// The lab's modules (rootfs, networks, nspawn) load only for `play lab`, not for every playbook run.
const loadLab = () => import('../lab');

const nameOption = (command: Command): Command => command.option('--name <name>', 'which lab', 'default');
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`lab: ${line}\n`);

/** `play lab ...`: the AWS topology as booted Debian hosts on this machine (needs root). */
export function registerLabCommand(program: Command): Command {
  const lab = program.command('lab').description('the whole topology (bastion, load balancer, app hosts, logs) as booted Debian hosts on this machine');

  nameOption(lab.command('up').description('build a lab from a synthesized stack, or bring a running one in line with it (new hosts, security groups, load balancer targets)'))
    .option('--environment <name>', 'the environment whose synthesized stack to use (cdktf.out/stacks/webtier-<name>/cdk.tf.json)', 'staging')
    .option('--stack <file>', 'a synthesized stack (cdk.tf.json) to use instead')
    .action(async (options: NameOption & { environment: string; stack?: string }) => {
      const { labUp } = await loadLab();
      const info = await labUp({ name: options.name, stack: stackFile(options), log: progress });
      for (const host of info.hosts) print(`${host.name.padEnd(10)} ${host.role.padEnd(8)} ${host.publicAddress ?? host.privateAddress}`);
      print(`outputs:   ${info.outputsFile}`);
      print(`inventory: ${info.inventoryDir}`);
      print(`try:       ssh -F ${info.sshConfigFile} app-1`);
    });

  nameOption(lab.command('down').description('stop and remove everything the lab created (safe to repeat, works on a half-created lab)')).action(
    async (options: NameOption) => {
      const { labDown } = await loadLab();
      await labDown({ name: options.name, log: progress });
    },
  );

  nameOption(lab.command('status').description('hosts of the lab and whether they run'))
    .option('--json', 'machine-readable')
    .action(async (options: NameOption & { json?: boolean }) => {
      const { labStatus } = await loadLab();
      const status = await labStatus({ name: options.name });
      if (options.json) return print(JSON.stringify(status, null, 2));
      if (!status.exists) return print(`no lab named ${status.name}`);
      for (const host of status.hosts) print(`${host.name.padEnd(10)} ${host.role.padEnd(8)} ${host.address.padEnd(14)} ${host.running ? 'running' : 'STOPPED'}`);
    });

  nameOption(lab.command('replace <host>').description('replace an instance as terraform apply -replace would: new disk, new host keys (the inventory keeps the old key until you remove it)')).action(
    async (host: string, options: NameOption) => {
      const { labReplaceHost } = await loadLab();
      const replaced = await labReplaceHost({ name: options.name, host, log: progress });
      print(`${replaced.name} ${replaced.publicAddress ?? replaced.privateAddress} ${replaced.hostKeys[0]}`);
    },
  );

  nameOption(lab.command('drops').description('flows the stack\'s security groups dropped in the lab, and which rule was missing')).action(async (options: NameOption) => {
    const { labDrops } = await loadLab();
    const drops = await labDrops({ name: options.name });
    print(drops.length === 0 ? 'no flow dropped' : drops.join('\n'));
  });

  nameOption(lab.command('publish-update').description('publish a newer lab-marker package (its install asks for a reboot) to the lab\'s apt repo')).action(
    async (options: NameOption) => {
      const { labPublishUpdate } = await loadLab();
      const version = await labPublishUpdate({ name: options.name });
      print(`lab-marker ${version} published`);
    },
  );

  nameOption(lab.command('reboot-required <hosts...>').description('mark hosts as needing a reboot (/var/run/reboot-required)')).action(
    async (hosts: string[], options: NameOption) => {
      const { labMarkRebootRequired } = await loadLab();
      await labMarkRebootRequired({ name: options.name, hosts });
    },
  );
  return lab;
}
