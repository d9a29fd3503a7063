import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Reporter, RunEvent } from '../../src/engine/output/events';
import { loadPlaybook, type PlaybookLoadOptions } from '../../src/engine/playbook/playbook-loader';
import type { Vars } from '../../src/data/vars';
import { RunConnections } from '../../src/engine/run/connections';
import { runPlaybook, type RunSummary } from '../../src/engine/run/playbook-runner';
import type { RunInventory, RunOptions } from '../../src/engine/run/run-state';
import { Redactor } from '../../src/data/redaction';
import { getModule } from '../../src/modules';
import { createConnectionPool } from '../../src/transport/pool';

/**
 * Runs fixture playbooks for real: files are written to a temporary project, the hosts are the
 * controller itself (`ansible_connection: local`, each host a LocalConnection running real
 * commands), and every event the runner emits is kept for the assertions.
 */
export class Project {
  private current = Project.freshDir();

  private static freshDir(): string {
    return mkdtempSync(join(tmpdir(), 'play-engine-'));
  }

  get dir(): string {
    return this.current;
  }

  /** An empty directory for the next test; the last one is removed. */
  renew(): void {
    this.remove();
    this.current = Project.freshDir();
  }

  /** Writes the playbook most tests run (`playbooks/test.yml`). */
  readonly playbook = (yaml: string): this => this.write({ 'playbooks/test.yml': yaml });

  /** The lines of a file the tasks wrote into the project. */
  readonly lines = (relative: string): string[] => readFileSync(this.path(relative), 'utf8').trim().split('\n');

  write(files: Record<string, string>): this {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), content);
    }
    return this;
  }

  path(relative: string): string {
    return join(this.dir, relative);
  }

  load(playbook = 'playbooks/test.yml', options: Partial<PlaybookLoadOptions> = {}) {
    return loadPlaybook(this.path(playbook), { module: getModule, roleDirs: [this.path('roles')], ...options });
  }

  async run(hosts: string[] | Record<string, Vars>, options: Partial<RunOptions> & { playbook?: string } = {}): Promise<Run> {
    const playbook = this.load(options.playbook);
    const inventory = localInventory(hosts, this.dir);
    const events: RunEvent[] = [];
    const reporter: Reporter = { emit: (event) => events.push(event) };
    const connections = new RunConnections(createConnectionPool(), { baseDir: this.dir });
    try {
      const summary = await runPlaybook(playbook, {
        inventory,
        extraVars: {},
        check: false,
        diff: false,
        forks: 50,
        tags: { only: [], skip: [] },
        forceHandlers: false,
        verbosity: 0,
        reporter,
        connections,
        secrets: new Redactor(),
        module: getModule,
        loadOptions: { module: getModule, roleDirs: [this.path('roles')] },
        interrupt: { requested: false },
        ...options,
      });
      return new Run(summary, events);
    } finally {
      await connections.closeAll();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The calling test file's Project, with an empty directory for each test. */
export function projectPerTest(): Project {
  const project = new Project();
  beforeEach(() => project.renew());
  afterAll(() => project.remove());
  return project;
}

/** Hosts that are the controller itself, in an `all` group plus the groups given by `group_names`. */
export function localInventory(hosts: string[] | Record<string, Vars>, dir: string): RunInventory {
  const vars: Record<string, Vars> = Array.isArray(hosts) ? Object.fromEntries(hosts.map((h) => [h, {}])) : hosts;
  const names = Object.keys(vars);
  const groups: Record<string, string[]> = { all: names };
  for (const [host, hv] of Object.entries(vars)) {
    for (const group of (hv.groups as string[] | undefined) ?? []) (groups[group] ??= []).push(host);
  }
  return {
    select: (pattern) => [...new Set(pattern.split(/[,:]/).flatMap((p) => groups[p] ?? (names.includes(p) ? [p] : [])))],
    groups: () => groups,
    hostVars: (host) => ({ ansible_connection: 'local', dir, ...vars[host] }),
  };
}

export class Run {
  constructor(
    readonly summary: RunSummary,
    readonly events: RunEvent[],
  ) {}

  get exitCode(): number {
    return this.summary.exitCode;
  }

  stats(host: string) {
    return this.summary.stats[host];
  }

  /** Task names in the order they started (handlers prefixed with `handler:`). */
  tasks(): string[] {
    return this.events.flatMap((e) => (e.type === 'task_start' ? [`${e.handler ? 'handler:' : ''}${e.name}`] : []));
  }

  /** The status of each host for the task with this name (the last run of it). */
  results(task: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.events) if (e.type === 'host_result' && e.task === task) out[e.host] = e.status;
    return out;
  }

  hostResults(task: string) {
    return this.events.filter((e): e is Extract<RunEvent, { type: 'host_result' }> => e.type === 'host_result' && e.task === task);
  }
}
