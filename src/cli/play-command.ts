import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseExtraVars } from '../data/extra-vars';
import { listPlaybook, type Listing } from '../engine/output/listing';
import { HumanReporter } from '../engine/output/human';
import { JsonReporter } from '../engine/output/json';
import type { Reporter } from '../engine/output/events';
import { loadIncludedTasks, loadPlaybook, type PlaybookLoadOptions } from '../engine/playbook/playbook-loader';
import { checkUndefinedVariables } from '../engine/playbook/undefined-vars';
import { PlaybookError } from '../engine/playbook/errors';
import { loadProject, PROJECT_FILE, resolvePlaybook, type Project } from '../engine/playbook/project';
import { RunConnections } from '../engine/run/connections';
import { EXIT, runPlaybook } from '../engine/run/playbook-runner';
import { playbookHoldsStartTask } from '../engine/run/start-at';
import { Redactor } from '../data/redaction';
import { parseTagList } from '../engine/playbook/tags';
import { InventoryError } from '../inventory/inventory-error';
import { LAB_STATE_ROOT } from '../contract/lab-state';
import { getModule } from '../modules';
import { createConnectionPool } from '../transport/pool';
import { resolveVaultPasswords } from '../vault';
import { openInventory } from './inventory-source';
import type { PlayOptions } from './play-options';

const DEFAULT_FORKS = 50;

/**
 * `play <playbook>`: everything is loaded and validated first (project, vault, extra vars,
 * inventory, playbook, roles, module arguments); only then is any host contacted. Any problem
 * up to that point is one `ERROR!` line and exit code 1.
 */
export async function runPlayCommand(playbookName: string, options: PlayOptions, cwd = process.cwd()): Promise<number> {
  const secrets = new Redactor();
  const fail = (err: unknown): number => {
    process.stderr.write(`${secrets.redact(`ERROR! ${err instanceof Error ? err.message : String(err)}`)}\n`);
    return EXIT.error;
  };
  let prepared: Prepared;
  try {
    prepared = await prepare(playbookName, options, cwd, secrets);
  } catch (err) {
    return fail(err);
  }
  const { playbook, inventory, project, loadOptions, extraVars } = prepared;
  const tags = { only: parseTagList(options.tags), skip: parseTagList(options.skipTags) };
  for (const warning of inventory.warnings) process.stderr.write(`[WARNING]: ${warning}\n`);

  if (options.syntaxCheck) {
    process.stdout.write(`\nplaybook: ${playbook.path}\n`);
    return EXIT.ok;
  }
  const listings = new Set<Listing>([
    ...(options.listHosts ? (['hosts'] as const) : []),
    ...(options.listTasks ? (['tasks'] as const) : []),
    ...(options.listTags ? (['tags'] as const) : []),
  ]);
  if (listings.size > 0) {
    process.stdout.write(listPlaybook(playbook, listings, (play) => inventory.select(play.hosts).filter((h) => !prepared.limit || prepared.limit.has(h)), tags));
    return EXIT.ok;
  }

  const reporter: Reporter = options.json
    ? new JsonReporter(process.stdout, secrets)
    : new HumanReporter({ out: process.stdout, secrets, verbose: (options.verbose ?? 0) > 0 });
  const pool = createConnectionPool({ strictHostKeyChecking: options.sshStrictHostKeyChecking });
  const connections = new RunConnections(pool, { baseDir: project.root });
  const interrupt = { requested: false };
  const onSignal = () => {
    if (interrupt.requested) {
      process.stderr.write('\nplay: aborted\n');
      process.exit(EXIT.interrupted);
    }
    interrupt.requested = true;
    process.stderr.write('\nplay: interrupted; letting running tasks finish (Ctrl-C again to abort)\n');
  };
  // A supervisor's stop (SIGTERM) or a closed terminal (SIGHUP) is an abort, as a second Ctrl-C is:
  // exiting through process.exit is what stops the local commands still running.
  const onTerminate = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nplay: aborted by ${signal}\n`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onTerminate);
  process.on('SIGHUP', onTerminate);
  try {
    const summary = await runPlaybook(playbook, {
      inventory,
      limit: prepared.limit,
      extraVars,
      check: options.check ?? false,
      diff: options.diff ?? false,
      forks: options.forks ?? project.forks ?? DEFAULT_FORKS,
      tags,
      forceHandlers: options.forceHandlers ?? false,
      startAtTask: options.startAtTask,
      probeBatching: options.probeBatching,
      verbosity: options.verbose ?? 0,
      reporter,
      connections,
      secrets,
      module: getModule,
      loadOptions,
      interrupt,
    });
    return summary.exitCode;
  } catch (err) {
    return fail(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onTerminate);
    process.off('SIGHUP', onTerminate);
    await connections.closeAll();
  }
}

interface Prepared {
  project: Project;
  playbook: ReturnType<typeof loadPlaybook>;
  inventory: ReturnType<typeof openInventory>;
  loadOptions: PlaybookLoadOptions;
  extraVars: Record<string, unknown>;
  limit?: Set<string>;
}

async function prepare(playbookName: string, options: PlayOptions, cwd: string, secrets: Redactor): Promise<Prepared> {
  const project = loadProject(cwd);
  if (project.ignored) process.stderr.write(`[WARNING]: ${project.ignored}\n`);
  const playbookPath = resolvePlaybook(playbookName, project, cwd);
  const passwordFiles = (options.vaultPasswordFile ?? []).map((f) => resolve(cwd, f));
  const vault = await resolveVaultPasswords({
    passwordFiles: passwordFiles.length > 0 ? passwordFiles : project.vaultPasswordFile ? [project.vaultPasswordFile] : [],
    vaultIds: options.vaultId,
    prompt: options.askVaultPassword,
    onPassword: (password) => secrets.add(password, 'vault'),
  });
  const yaml = { vault, secrets };
  const extraVars = parseExtraVars(options.extraVars ?? [], { ...yaml, cwd });
  const sources = options.inventory?.length ? options.inventory.map((i) => resolve(cwd, i)) : projectInventory(project);
  const loadOptions: PlaybookLoadOptions = { ...yaml, module: getModule, roleDirs: [resolve(project.root, 'roles')], extraVars };
  const playbook = loadPlaybook(playbookPath, loadOptions);
  const inventory = openInventory(sources, { ...yaml, playbookDir: playbook.dir }, playbook.plays.map((p) => p.hosts));
  checkUndefinedVariables(playbook, { inventory: inventory.variableNames(), extra: Object.keys(extraVars) }, (path, inherited) =>
    loadIncludedTasks(path, inherited, playbook.dir, loadOptions),
  );
  if (options.startAtTask !== undefined && !playbookHoldsStartTask(playbook, options.startAtTask)) {
    throw new PlaybookError(
      `--start-at-task: no task named '${options.startAtTask}' in ${playbook.path} (a task's name or 'role : name'; tasks of include_tasks/include_role files cannot be started at)`,
    );
  }
  const limit = options.limit ? new Set(inventory.select(limitPattern(options.limit, cwd))) : undefined;
  if (limit && limit.size === 0) throw new PlaybookError(`--limit ${options.limit} leaves no host to run on (Ansible's "leaves us with no hosts to target")`);
  return { project, playbook, inventory, loadOptions, extraVars, limit };
}

/** play.yml's inventory, with a hint at the usual cause when a source is missing: no lab is up. */
function projectInventory(project: Project): string[] {
  const missing = project.inventory.find((source) => !existsSync(source));
  if (missing) {
    const hint = missing.startsWith(LAB_STATE_ROOT) ? 'bring the lab up with `play lab up`, or pass -i inventory/<environment>' : 'fix play.yml or pass -i';
    throw new InventoryError(missing, undefined, `inventory source not found (named in ${join(project.root, PROJECT_FILE)}): ${hint}`);
  }
  return project.inventory;
}

/** `--limit @file`: one host (or pattern) per line, as Ansible's retry files. */
function limitPattern(limit: string, cwd: string): string {
  if (!limit.startsWith('@')) return limit;
  return readFileSync(resolve(cwd, limit.slice(1)), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(',');
}
