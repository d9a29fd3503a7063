import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { hostsWith, parseRecap, taskResults } from '../lib/recap';
import { processesMentioning, treeCpuSeconds } from '../lib/process-tree';
import { spread, type Spread } from '../lib/stats';
import { timedRun } from '../lib/timed-run';
import { closeControlMasters, toolCommand, type Tool } from '../lib/tools';
import { startLightFleet, type LightFleet } from './light-hosts';

/**
 * The runner at fleet scale: N light hosts behind one bastion, the small workload of
 * bench/fleet/fleet-*.yml (directory, template, copy, command, stat; no fact gathering).
 * Per tool and N: `first` runs the workload on a fresh directory (3 changed tasks per host),
 * `noop` runs it again at once (changed=0 expected). Ansible's ControlPersist masters are closed
 * before every `first` run, so a first run is cold for both tools; its `noop` run reuses them, as
 * an operator's consecutive runs do.
 */
export type FleetScenario = 'first' | 'noop';

export interface FleetFigure {
  tool: Tool;
  hosts: number;
  scenario: FleetScenario;
  seconds: Spread;
  /** Task results (hosts x tasks) per second of whole-process wall time, at the median run. */
  tasksPerSecond: number;
  peakTreeMb: number;
  peakProcessMb: number;
  /** Connections the bastion's sshd accepted during each run: median and max. */
  bastionConnections: { median: number; max: number };
  /** Sessions the hosts' sshd started per task result (one exec, shell or sftp each), at the median run. */
  sessionsPerTask: number;
  /**
   * Median CPU seconds (user + system) of a run on this machine's side: the runner and everything
   * it started, including Ansible's ControlPersist ssh masters and their ProxyJump clients, which
   * detach from the run and outlive it.
   */
  runnerCpuSeconds: number;
  /** Median CPU seconds of a run on the hosts' side: the targets' sshd trees (sessions, shells, sudo, the workload's commands). */
  hostsCpuSeconds: number;
  /** Median CPU seconds of a run in the bastion's sshd tree (the jump hop to every host). */
  bastionCpuSeconds: number;
  /** Hosts unreachable or failed in any run. */
  failedHosts: string[];
  /** Hosts that reported a change in a `noop` run (must be none). */
  changedHosts: string[];
  exitCodes: number[];
}

export interface FleetOptions {
  sizes: number[];
  /** Runs per figure, per tool (each run is a first run then its no-op rerun). */
  runs: Partial<Record<Tool, number>>;
  /** Larger fleets are measured for play only (Ansible takes minutes per run there). */
  ansibleMaxHosts?: number;
  log: (line: string) => void;
  /** Every run's output is kept here. */
  logDir: string;
}

const HERE = __dirname;
const PLAYBOOKS: Record<Tool, string> = {
  play: path.join(HERE, 'fleet-play.yml'),
  'ansible-best': path.join(HERE, 'fleet-ansible.yml'),
  'ansible-defaults': path.join(HERE, 'fleet-ansible.yml'),
};
const MB = 1024 * 1024;

/** The kernel counts CPU time in hundredths of a second (USER_HZ); differences of them should not show float noise. */
const hundredths = (seconds: number) => Math.round(seconds * 100) / 100;

/**
 * CPU seconds used so far by the runner's processes that detached from it: ssh's ControlPersist
 * masters (titled with their control path) and the `ssh -W` ProxyJump clients they talk through
 * (whose command line carries the ssh config given with -F). Nothing of play's outlives its run.
 */
export const detachedRunnerCpu = (controlDir: string, sshConfigFile: string) => treeCpuSeconds([...processesMentioning(`${controlDir}/`), ...processesMentioning(sshConfigFile)]);

function writeInventory(fleet: LightFleet): string {
  const file = path.join(fleet.dir, 'hosts.yml');
  const inventory = {
    all: {
      vars: {
        ansible_user: fleet.user,
        play_ssh_config: fleet.sshConfigFile,
        fleet_settings: [
          { name: 'workers', value: 4 },
          { name: 'listen', value: '127.0.0.1:8080' },
          { name: 'log_level', value: 'info' },
        ],
      },
      children: { fleet: { hosts: Object.fromEntries(fleet.hosts.map((h) => [h.name, { ansible_host: h.address }])) } },
    },
  };
  writeFileSync(file, stringify(inventory));
  return file;
}

async function measureTool(fleet: LightFleet, inventory: string, tool: Tool, options: FleetOptions): Promise<FleetFigure[]> {
  const controlDir = path.join(fleet.dir, `cp-${tool}`);
  mkdirSync(controlDir, { recursive: true });
  const samples: Record<
    FleetScenario,
    { seconds: number; tasks: number; tree: number; proc: number; conns: number; sessions: number; runnerCpu: number; hostsCpu: number; bastionCpu: number; failed: string[]; changed: string[]; code: number }[]
  > = { first: [], noop: [] };
  try {
    for (let run = 0; run < (options.runs[tool] ?? 0); run += 1) {
      const root = path.join(fleet.home, `work-${tool}-${run}`);
      await closeControlMasters(controlDir);
      for (const scenario of ['first', 'noop'] as const) {
        const before = fleet.bastionConnections();
        const sessionsBefore = fleet.hostSessions();
        const hostsBefore = await fleet.settledCpuSeconds();
        const detachedBefore = detachedRunnerCpu(controlDir, fleet.sshConfigFile);
        const result = await timedRun({
          ...toolCommand({ tool, playbook: PLAYBOOKS[tool], inventories: [inventory], sshConfigFile: fleet.sshConfigFile, controlDir, cwd: HERE, args: ['-e', `fleet_root=${root}`] }),
          logFile: path.join(options.logDir, `fleet-${fleet.hosts.length}-${tool}-${scenario}-${run + 1}.log`),
        });
        const hostsAfter = await fleet.settledCpuSeconds();
        const detachedAfter = detachedRunnerCpu(controlDir, fleet.sshConfigFile);
        const recap = parseRecap(result.output);
        const missing = fleet.hosts.map((h) => h.name).filter((name) => !(name in recap));
        if (Object.keys(recap).length === 0) throw new Error(`${tool} printed no recap at N=${fleet.hosts.length} (exit ${result.code}):\n${result.output.slice(-2000)}`);
        samples[scenario].push({
          seconds: result.seconds,
          tasks: taskResults(recap),
          tree: result.peakTreeBytes,
          proc: result.peakProcessBytes,
          conns: fleet.bastionConnections() - before,
          sessions: fleet.hostSessions() - sessionsBefore,
          runnerCpu: hundredths(result.cpuSeconds + detachedAfter - detachedBefore),
          hostsCpu: hundredths(hostsAfter.targets - hostsBefore.targets),
          bastionCpu: hundredths(hostsAfter.bastion - hostsBefore.bastion),
          failed: [...new Set([...hostsWith(recap, 'unreachable'), ...hostsWith(recap, 'failed'), ...missing])],
          changed: hostsWith(recap, 'changed'),
          code: result.code,
        });
        options.log(`fleet N=${fleet.hosts.length} ${tool} ${scenario} #${run + 1}: ${result.seconds.toFixed(2)} s, exit ${result.code}`);
      }
    }
  } finally {
    await closeControlMasters(controlDir);
  }
  return (['first', 'noop'] as const).map((scenario) => {
    const s = samples[scenario];
    const seconds = spread(s.map((x) => x.seconds));
    const atMedian = s.reduce((best, x) => (Math.abs(x.seconds - seconds.median) < Math.abs(best.seconds - seconds.median) ? x : best));
    const conns = spread(s.map((x) => x.conns));
    return {
      tool,
      hosts: fleet.hosts.length,
      scenario,
      seconds,
      tasksPerSecond: atMedian.tasks / atMedian.seconds,
      sessionsPerTask: atMedian.sessions / Math.max(1, atMedian.tasks),
      peakTreeMb: Math.max(...s.map((x) => x.tree)) / MB,
      peakProcessMb: Math.max(...s.map((x) => x.proc)) / MB,
      bastionConnections: { median: conns.median, max: conns.max },
      runnerCpuSeconds: spread(s.map((x) => x.runnerCpu)).median,
      hostsCpuSeconds: spread(s.map((x) => x.hostsCpu)).median,
      bastionCpuSeconds: spread(s.map((x) => x.bastionCpu)).median,
      failedHosts: [...new Set(s.flatMap((x) => x.failed))].sort(),
      changedHosts: scenario === 'noop' ? [...new Set(s.flatMap((x) => x.changed))].sort() : [],
      exitCodes: s.map((x) => x.code),
    };
  });
}

export async function runFleetBench(options: FleetOptions): Promise<FleetFigure[]> {
  const figures: FleetFigure[] = [];
  for (const size of options.sizes) {
    const fleet = await startLightFleet(size);
    try {
      const inventory = writeInventory(fleet);
      const measured = (tool: Tool) => (options.runs[tool] ?? 0) > 0 && (tool === 'play' || size <= (options.ansibleMaxHosts ?? Infinity));
      for (const tool of (Object.keys(options.runs) as Tool[]).filter(measured)) figures.push(...(await measureTool(fleet, inventory, tool, options)));
    } finally {
      await fleet.teardown();
    }
  }
  return figures;
}
