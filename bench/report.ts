import os from 'node:os';
import { CHARTS_DIR, type Chart } from './charts';
import type { FleetFigure } from './fleet/fleet-bench';
import { megabytes as mb, seconds as s2 } from './lib/format';
import type { SiteFigure, SiteScenario } from './site/site-bench';
import type { Spread } from './lib/stats';
import type { Tool } from './lib/tools';

/** bench/RESULTS.md from a run's figures: machine, versions, tables, ratios Ansible/play, targets. */
export interface BenchReport {
  startedAt: Date;
  finishedAt: Date;
  versions: Record<string, string>;
  loadBefore: number[];
  loadAfter: number[];
  command: string;
  site: SiteFigure[];
  fleet: FleetFigure[];
  /** Written beside the results file, in CHARTS_DIR; each is linked where its figures are. */
  charts: Chart[];
  /** Paragraphs written by hand after the run (profile, where the time goes); kept verbatim. */
  notes: string;
}

export const SCENARIO_NAMES: Record<SiteScenario, string> = {
  first: 'first converge (fresh hosts)',
  noop: 'no-op converge',
  common: '`--tags common` no-op',
  template: 'single template change',
};
/** Ansible best ÷ play, median wall time (issue 15). */
const TARGETS: Record<SiteScenario, number> = { first: 3, noop: 50, common: 50, template: 30 };
/** The fleet targets for play (issue 15): at FLEET_LARGE hosts, the no-op within FLEET_SCALE_TARGET× of FLEET_SMALL hosts'. */
const FLEET_SMALL = 4;
const FLEET_LARGE = 64;
const FLEET_SCALE_TARGET = 3;
export const FLEET_MEMORY_TARGET_MB = 150;

const cell = (s: Spread) => `${s2(s.median)} (${s2(s.min)}–${s2(s.max)}, n=${s.runs})`;
const met = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'yes' : 'no');

function siteTable(site: SiteFigure[]): string[] {
  const lines = [
    '| scenario | tool | wall s: median (min–max, runs) | task results/s | peak RSS MB: process tree (largest process) | as expected |',
    '|---|---|---|---|---|---|',
  ];
  for (const scenario of Object.keys(SCENARIO_NAMES) as SiteScenario[]) {
    for (const f of site.filter((x) => x.scenario === scenario)) {
      lines.push(`| ${SCENARIO_NAMES[scenario]} | ${f.tool} | ${cell(f.seconds)} | ${f.tasksPerSecond.toFixed(1)} | ${mb(f.peakTreeMb)} (${mb(f.peakProcessMb)}) | ${f.problems.length ? f.problems.join('; ') : 'yes'} |`);
    }
  }
  return lines;
}

function ratioTable(site: SiteFigure[]): string[] {
  const find = (tool: Tool, scenario: SiteScenario) => site.find((f) => f.tool === tool && f.scenario === scenario);
  const lines = ['| scenario | Ansible best ÷ play | Ansible defaults ÷ play | target (best ÷ play) | met |', '|---|---|---|---|---|'];
  for (const scenario of Object.keys(SCENARIO_NAMES) as SiteScenario[]) {
    const play = find('play', scenario);
    if (!play) continue;
    const ratio = (tool: Tool) => {
      const other = find(tool, scenario);
      return other ? other.seconds.median / play.seconds.median : undefined;
    };
    const best = ratio('ansible-best');
    const defaults = ratio('ansible-defaults');
    const show = (r: number | undefined) => (r === undefined ? 'not measured' : `${r.toFixed(1)}×`);
    lines.push(`| ${SCENARIO_NAMES[scenario]} | ${show(best)} | ${show(defaults)} | ≥ ${TARGETS[scenario]}× | ${met(best === undefined ? undefined : best >= TARGETS[scenario])} |`);
  }
  return lines;
}

function fleetTable(fleet: FleetFigure[]): string[] {
  const lines = [
    '| N | workload | tool | wall s: median (min–max, runs) | task results/s | SSH sessions per task | peak RSS MB: tree (largest process) | runner CPU s | hosts CPU s | bastion CPU s | bastion connections per run: median (max) | hosts failed | changed in no-op |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of fleet) {
    lines.push(
      `| ${f.hosts} | ${f.scenario === 'first' ? 'first run (3 changes/host)' : 'no-op rerun'} | ${f.tool} | ${cell(f.seconds)} | ${f.tasksPerSecond.toFixed(1)} | ${f.sessionsPerTask.toFixed(1)} | ${mb(f.peakTreeMb)} (${mb(f.peakProcessMb)}) | ${s2(f.runnerCpuSeconds)} | ${s2(f.hostsCpuSeconds)} | ${s2(f.bastionCpuSeconds)} | ${f.bastionConnections.median} (${f.bastionConnections.max}) | ${f.failedHosts.length ? `${f.failedHosts.length}: ${f.failedHosts.slice(0, 8).join(', ')}${f.failedHosts.length > 8 ? '…' : ''}` : 'none'} | ${f.scenario === 'noop' ? f.changedHosts.length || 'none' : '–'} |`,
    );
  }
  return lines;
}

function fleetRatios(fleet: FleetFigure[]): string[] {
  const lines = ['| N | workload | Ansible best ÷ play (wall time) |', '|---|---|---|'];
  for (const f of fleet.filter((x) => x.tool === 'play')) {
    const other = fleet.find((x) => x.tool === 'ansible-best' && x.hosts === f.hosts && x.scenario === f.scenario);
    if (other) lines.push(`| ${f.hosts} | ${f.scenario} | ${(other.seconds.median / f.seconds.median).toFixed(1)}× |`);
  }
  return lines;
}

function fleetTargets(fleet: FleetFigure[]): string[] {
  const play = (hosts: number) => fleet.filter((f) => f.tool === 'play' && f.hosts === hosts);
  const noop = (hosts: number) => play(hosts).find((f) => f.scenario === 'noop');
  const large = play(FLEET_LARGE);
  const [small, largeNoop] = [noop(FLEET_SMALL), noop(FLEET_LARGE)];
  const row = (target: string, measured: string, ok: boolean | undefined) => `| ${target} | ${measured} | ${met(ok)} |`;
  const at = `N = ${FLEET_LARGE}`;
  const scale = small && largeNoop ? largeNoop.seconds.median / small.seconds.median : undefined;
  const rows = [
    row(
      `no-op wall time at ${at} ≤ ${FLEET_SCALE_TARGET}× that at N = ${FLEET_SMALL}`,
      small && largeNoop ? `${scale!.toFixed(2)}× (${s2(largeNoop.seconds.median)} s ÷ ${s2(small.seconds.median)} s)` : `not measured (needs no-op runs at N = ${FLEET_SMALL} and ${at})`,
      scale === undefined ? undefined : scale <= FLEET_SCALE_TARGET,
    ),
  ];
  if (large.length === 0) {
    rows.push(row(`one bastion connection per run, peak memory < ${FLEET_MEMORY_TARGET_MB} MB, every host succeeds at ${at}`, `not measured (no ${at} in this run)`, undefined));
  } else {
    const connections = Math.max(...large.map((f) => f.bastionConnections.max));
    const memory = Math.max(...large.map((f) => f.peakTreeMb));
    const failed = [...new Set(large.flatMap((f) => f.failedHosts))];
    rows.push(
      row(`one bastion connection per run at ${at}`, `at most ${connections}`, connections === 1),
      row(`play's peak memory (process tree) < ${FLEET_MEMORY_TARGET_MB} MB at ${at}`, `${mb(memory)} MB`, memory < FLEET_MEMORY_TARGET_MB),
      row(`every host succeeds at ${at}`, failed.length === 0 ? `all ${FLEET_LARGE}, every run` : `${failed.length} failed: ${failed.join(', ')}`, failed.length === 0),
    );
  }
  return ['| target (play) | measured | met |', '|---|---|---|', ...rows];
}

/** Image links to the charts among `files` that this run drew. */
function chartLinks(charts: Chart[], files: string[]): string[] {
  return charts.filter((chart) => files.includes(chart.file)).flatMap((chart) => [`![${chart.alt}](${CHARTS_DIR}/${chart.file})`, '']);
}

export function renderReport(report: BenchReport): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  return [
    '# Benchmarks: play against Ansible',
    '',
    `Written by \`npm run bench\` (\`${report.command}\`) from the run of ${report.startedAt.toISOString()} – ${report.finishedAt.toISOString()}.`,
    'Do not edit the tables by hand; the notes section at the end is kept across runs.',
    '',
    '## Machine',
    '',
    `- ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- load average (1/5/15 min) before: ${load(report.loadBefore)}, after: ${load(report.loadAfter)}. This machine is shared with other`,
    '  engineers\' test runs: absolute times are noisy; tools are interleaved run by run so ratios are fairer than absolutes.',
    ...Object.entries(report.versions).map(([name, version]) => `- ${name}: ${version}`),
    '',
    '## How it was measured',
    '',
    '- Whole-process wall time of each command, as an operator runs it (`node bin/play.js ...`, `ansible-playbook ...`), each tool printing its normal human output.',
    '- Peak RSS: the summed resident memory of the runner and every process under it (Ansible\'s forks and ssh clients), sampled every 50 ms;',
    '  in brackets GNU time\'s `%M`, the largest single process.',
    '- Task results/s: the recap\'s ok+failed+skipped+unreachable over all hosts, divided by the wall time. Ansible also counts `include_tasks` and',
    '  one "Gathering Facts" per play as results, so its counts are higher for the same work.',
    '- Rows: **play** (its defaults: forks 50, one SSH connection per host multiplexed through one bastion connection). **ansible-best**:',
    '  `bench/ansible/ansible.cfg` (pipelining, ControlPersist 600 s, forks 50, interpreter fixed). **ansible-defaults**: `bench/ansible/defaults.cfg`',
    '  (nothing set: forks 5, no pipelining, ControlPersist 60 s). Both Ansible rows use the same hosts.yml and the same ssh.config (`-F`, ProxyJump',
    '  through the bastion, pinned known_hosts) as play.',
    '- Site: the lab (`play lab up --name bench`: booted Debian 12 hosts — bastion, logs, app hosts — behind a bastion). `bench/ansible/` is the',
    '  site for Ansible: the same playbook, roles, defaults, handlers and files, tasks module for module, Jinja2 templates rendering the same bytes.',
    '  First converge runs on a fresh lab per tool; the other scenarios run on play\'s converged lab, tools interleaved round by round.',
    '- Fleet: light hosts (one real sshd per host, own address and host key, no boot) in one private network namespace, behind ONE bastion sshd',
    '  with the default `MaxStartups 10:30:100`, in 10.232.0.0/16, both tools logging in as one unprivileged user (/bin/sh, empty home). The hosts\'',
    '  sshd processes share the 2 cores with the runner. Workload `bench/fleet/fleet-*.yml`: directory, template, copy, command, stat',
    '  (5 tasks, no fact gathering). Ansible\'s control masters are closed before each first run (cold), and reused by its no-op rerun.',
    '- Fleet CPU, median of runs (user + system seconds, read from the kernel\'s accounting, not sampled): **runner** is the tool\'s process and',
    '  everything it reaped (GNU time\'s `%U + %S`), plus the ssh ControlPersist masters and ProxyJump clients that detach from an Ansible run',
    '  (the growth of their /proc times over the run). **hosts** is the targets\' sshd processes and everything they start (sessions, shells,',
    '  sudo, the workload\'s commands), each host\'s sshd in a cgroup of its own (cpu.stat `usage_usec`), read before and after each run once the',
    '  hosts\' CPU has stopped moving, so a session\'s teardown after the client exits counts too; **bastion** the same for the bastion\'s sshd.',
    '  All of it shares the same cores (with whatever else the machine runs): where runner + hosts + bastion CPU nears cores × wall time,',
    '  the cores were the limit, not the round trips.',
    '- Charts (`charts/*.svg`, written with this file): medians, on log scales, as the tables give them.',
    '',
    '## Site on the lab',
    '',
    ...siteTable(report.site),
    '',
    '### Ratios (median wall time)',
    '',
    ...ratioTable(report.site),
    '',
    ...chartLinks(report.charts, ['site-time.svg']),
    '## Fleet scale (one bastion, default MaxStartups)',
    '',
    ...fleetTable(report.fleet),
    '',
    ...fleetRatios(report.fleet),
    '',
    ...chartLinks(report.charts, ['fleet-time.svg', 'fleet-memory.svg']),
    '### Fleet targets (play)',
    '',
    ...fleetTargets(report.fleet),
    '',
    '## Notes',
    '',
    report.notes.trim(),
    '',
  ].join('\n');
}
