import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { labDown, labUp, type LabInfo } from '../../src/lab';
import { synthStackFile } from '../../test/support/stack-file';
import { parseRecap, taskResults, type HostRecap } from '../lib/recap';
import { spread, type Spread } from '../lib/stats';
import { timedRun, type TimedRun } from '../lib/timed-run';
import { closeControlMasters, toolCommand, type Tool } from '../lib/tools';
import { createSiteProjects, type SiteProject } from './site-project';

/**
 * play against Ansible on the lab (booted Debian hosts behind a bastion), the site itself:
 *   first    `site` on fresh hosts (one fresh lab per tool),
 *   noop     `site` again (changed=0 on every host),
 *   common   `site --tags common` (changed=0),
 *   template `site` after one template changed (the journald drop-in: one changed task per host
 *            and its handler, so changed=2 on every host).
 * The repeated scenarios run on play's lab, round by round with the tools interleaved, so a load
 * change on this shared machine hits every tool alike. Ansible's first no-op there also checks that
 * the mirror does exactly what play did (any difference shows up as a change).
 */
export type SiteScenario = 'first' | 'noop' | 'common' | 'template';
export const SITE_SCENARIOS: SiteScenario[] = ['first', 'noop', 'common', 'template'];

export interface SiteFigure {
  tool: Tool;
  scenario: SiteScenario;
  seconds: Spread;
  tasksPerSecond: number;
  peakTreeMb: number;
  peakProcessMb: number;
  /** What the runs were expected to show and did not ("app-1 changed=3", "exit 2"...); empty when every run was as expected. */
  problems: string[];
}

export interface SiteOptions {
  apps: number;
  /** Runs of noop/common/template per tool (first converge is one run per fresh lab). */
  runs: Partial<Record<Tool, number>>;
  /** The repeated scenarios each tool runs (default: noop, common and template). */
  scenarios?: Partial<Record<Tool, SiteScenario[]>>;
  /** Ansible rows whose first converge is measured, each on a fresh lab of its own (play's always is). */
  ansibleFirstConverge: Tool[];
  log: (line: string) => void;
  /** Every run's output is kept here. */
  logDir: string;
}

const LAB = 'bench';
const MB = 1024 * 1024;

interface Sample {
  run: TimedRun;
  recap: Record<string, HostRecap>;
  problems: string[];
}

/** The changed count every host must report: 0, or 2 for the template change (the task and its handler). */
const EXPECTED_CHANGED: Partial<Record<SiteScenario, number>> = { noop: 0, common: 0, template: 2 };

function check(scenario: SiteScenario, run: TimedRun, recap: Record<string, HostRecap>, hosts: string[]): string[] {
  const problems: string[] = [];
  if (run.code !== 0) problems.push(`exit ${run.code}`);
  for (const host of hosts) {
    const stats = recap[host];
    if (!stats) problems.push(`${host} missing from the recap`);
    else if (stats.failed + stats.unreachable > 0) problems.push(`${host} failed=${stats.failed} unreachable=${stats.unreachable}`);
    else if (EXPECTED_CHANGED[scenario] !== undefined && stats.changed !== EXPECTED_CHANGED[scenario]) problems.push(`${host} changed=${stats.changed}`);
  }
  return problems;
}

class SiteRunner {
  readonly samples = new Map<string, Sample[]>();

  constructor(
    private readonly lab: LabInfo,
    private readonly controlDir: string,
    private readonly log: (line: string) => void,
    private readonly logDir: string,
  ) {}

  async run(project: SiteProject, tool: Tool, scenario: SiteScenario): Promise<void> {
    const inventories = tool === 'play' ? [this.lab.inventoryDir, project.labGroupVars] : [this.lab.hostsFile, project.labGroupVars];
    const args = ['--vault-password-file', project.vaultPasswordFile, ...(scenario === 'common' ? ['--tags', 'common'] : [])];
    const key = `${tool}/${scenario}`;
    const runNumber = (this.samples.get(key)?.length ?? 0) + 1;
    const run = await timedRun({
      ...toolCommand({ tool, playbook: project.playbook, inventories, sshConfigFile: this.lab.sshConfigFile, controlDir: this.controlDir, cwd: project.dir, args }),
      logFile: path.join(this.logDir, `site-${tool}-${scenario}-${runNumber}.log`),
    });
    const recap = parseRecap(run.output);
    const hosts = this.lab.hosts.filter((h) => h.role !== 'lb').map((h) => h.name);
    const problems = check(scenario, run, recap, hosts);
    this.samples.set(key, [...(this.samples.get(key) ?? []), { run, recap, problems }]);
    this.log(`site ${key}: ${run.seconds.toFixed(1)} s${problems.length ? `; ${problems.join(', ')}` : ''}`);
    if (scenario === 'first' && run.code !== 0) throw new Error(`${tool} could not converge the fresh lab (exit ${run.code}):\n${run.output.slice(-3000)}`);
  }
}

function summarize(key: string, samples: Sample[]): SiteFigure {
  const [tool, scenario] = key.split('/') as [Tool, SiteScenario];
  const seconds = spread(samples.map((s) => s.run.seconds));
  const atMedian = samples.reduce((best, s) => (Math.abs(s.run.seconds - seconds.median) < Math.abs(best.run.seconds - seconds.median) ? s : best));
  return {
    tool,
    scenario,
    seconds,
    tasksPerSecond: taskResults(atMedian.recap) / atMedian.run.seconds,
    peakTreeMb: Math.max(...samples.map((s) => s.run.peakTreeBytes)) / MB,
    peakProcessMb: Math.max(...samples.map((s) => s.run.peakProcessBytes)) / MB,
    problems: [...new Set(samples.flatMap((s) => s.problems))],
  };
}

async function withFreshLab<T>(options: SiteOptions, work: (lab: LabInfo) => Promise<T>): Promise<T> {
  await labDown({ name: LAB });
  options.log(`lab ${LAB}: up with ${options.apps} app host(s)`);
  // The lab is built from the staging stack with that many app instances, as the tests' labs are.
  const stack = synthStackFile('staging', { app: { count: options.apps, instanceType: 't3.small' } });
  try {
    const lab = await labUp({ name: LAB, stack: stack.file });
    return await work(lab);
  } finally {
    await labDown({ name: LAB });
    stack.cleanup();
  }
}

export async function runSiteBench(options: SiteOptions): Promise<SiteFigure[]> {
  const projects = createSiteProjects();
  const samples = new Map<string, Sample[]>();
  const tools = (Object.keys(options.runs) as Tool[]).filter((t) => (options.runs[t] ?? 0) > 0);
  const rounds = Math.max(...tools.map((t) => options.runs[t] ?? 0));
  try {
    const session = async (lab: LabInfo, body: (runner: SiteRunner) => Promise<void>) => {
      const controlDir = path.join(lab.stateDir, 'bench-cp');
      mkdirSync(controlDir, { recursive: true });
      const runner = new SiteRunner(lab, controlDir, options.log, options.logDir);
      try {
        await body(runner);
      } finally {
        await closeControlMasters(controlDir);
        for (const [key, value] of runner.samples) samples.set(key, [...(samples.get(key) ?? []), ...value]);
      }
    };
    // play's lab: its first converge, then every tool's repeated scenarios, interleaved.
    await withFreshLab(options, (lab) =>
      session(lab, async (runner) => {
        await runner.run(projects.forTool('play'), 'play', 'first');
        for (let round = 0; round < rounds; round += 1) {
          for (const scenario of ['noop', 'common', 'template'] as const) {
            for (const tool of tools.filter((t) => (options.runs[t] ?? 0) > round && (options.scenarios?.[t] ?? [scenario]).includes(scenario))) {
              // The same edit in every tool's copy: the hosts then always match every copy, so the next
              // tool's no-op is a no-op, whichever tool made the last change.
              if (scenario === 'template') projects.changeTemplate(`${tool} round ${round + 1}`);
              await runner.run(projects.forTool(tool), tool, scenario);
            }
          }
        }
      }),
    );
    for (const tool of options.ansibleFirstConverge) {
      await withFreshLab(options, (lab) => session(lab, (runner) => runner.run(projects.forTool(tool), tool, 'first')));
    }
  } finally {
    projects.cleanup();
  }
  return [...samples].map(([key, value]) => summarize(key, value));
}
