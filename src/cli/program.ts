import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { registerInventoryCommand } from './inventory-command';
import { registerLabCommand } from './lab-command';
import { registerVaultCommand } from './vault-command';
import type { PlayOptions } from './play-options';

/**
 * `play`: run a playbook (`play site`, `play path/to/playbook.yml`), plus the vault, inventory and
 * lab subcommands. The engine is required only when a playbook runs, so `play --help` and the
 * subcommands start fast.
 */
export function buildProgram(): Command {
  const program = new Command('play')
    .description('apply Ansible-style playbooks to hosts, through one SSH connection per host')
    .version(packageVersion(), '--version', 'print the version and exit')
    .argument('[playbook]', "playbook name under playbooks/ ('site' = playbooks/site.yml) or a path")
    .option('-i, --inventory <source>', 'inventory file or directory (repeatable; default from play.yml)', collect)
    .option('-e, --extra-vars <vars>', 'key=value, @file.yml or JSON; highest precedence (repeatable)', collect)
    .option('-t, --tags <tags>', 'only run tasks with these tags (comma-separated, repeatable)', collect)
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated, repeatable)', collect)
    .option('-l, --limit <pattern>', 'further limit the hosts: a host pattern, or @file with one host per line')
    .option('-C, --check', 'change nothing; report what would change')
    .option('-D, --diff', 'show a unified diff of every file a task changes')
    .option('-f, --forks <n>', 'hosts worked on in parallel (default 50)', positiveInt)
    .option('--list-hosts', 'list the hosts each play would run on, then exit')
    .option('--list-tasks', 'list the tasks that would run, then exit')
    .option('--list-tags', 'list the tags of the tasks, then exit')
    .option('--syntax-check', 'load and validate everything (no host is contacted), then exit')
    .option('--json', 'one JSON event per line on stdout, for machines')
    .option('-v, --verbose', 'show module results (repeatable)', (_v: string, n: number) => n + 1, 0)
    .option('--vault-password-file <file>', 'file (or executable) with the vault password (repeatable)', collect)
    .option('--vault-id <id>', 'label@source vault password (repeatable)', collect)
    .option('-J, --ask-vault-password', 'ask for the vault password on the terminal')
    .option('--start-at-task <name>', "skip the tasks before the first one with this name (or 'role : name')")
    .option('--force-handlers', 'run notified handlers even on hosts that failed')
    .option('--no-probe-batching', "probe each task's host state on its own, one round trip per probe, instead of a stretch of tasks' at once")
    .addOption(
      new Option('--ssh-strict-host-key-checking <mode>', 'host-key policy; "no" is the only way to turn checking off').choices(['yes', 'accept-new', 'no']),
    )
    .showHelpAfterError()
    // Options after a subcommand belong to it (`play lab status --json`), not to the playbook run.
    .enablePositionalOptions()
    .action(async (playbook: string | undefined, options: PlayOptions, command: Command) => {
      if (!playbook) {
        command.help();
        return;
      }
      const { runPlayCommand } = await import('./play-command');
      process.exitCode = await runPlayCommand(playbook, options);
    });
  registerVaultCommand(program);
  registerInventoryCommand(program);
  registerLabCommand(program);
  return program;
}

/** The project's own version: dist/cli and src/cli are both two levels below package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--forks: '${value}' is not a positive whole number`);
  return n;
}
