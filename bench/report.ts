import os from 'node:os';
import type { FleetFigure } from './fleet/fleet-bench';
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
  /** Paragraphs written by hand after the run (profile, where the time goes); kept verbatim. */
  notes: string;
}

const SCENARIO_NAMES: Record<SiteScenario, string> = {
  first: 'first converge (fresh hosts)',
  noop: 'no-op converge',
  common: '`--tags common` no-op',
  template: 'single template change',
};
const TARGETS: Record<SiteScenario, number> = { first: 1.5, noop: 10, common: 10, template: 5 };

const s2 = (seconds: number) => seconds.toFixed(seconds < 10 ? 2 : 1);
const cell = (s: Spread) => `${s2(s.median)} (${s2(s.min)}–${s2(s.max)}, n=${s.runs})`;
const mb = (value: number) => value.toFixed(0);

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
    lines.push(`| ${SCENARIO_NAMES[scenario]} | ${show(best)} | ${show(defaults)} | ≥ ${TARGETS[scenario]}× | ${best === undefined ? '–' : best >= TARGETS[scenario] ? 'yes' : 'no'} |`);
  }
  return lines;
}

function fleetTable(fleet: FleetFigure[]): string[] {
  const lines = [
    '| N | workload | tool | wall s: median (min–max, runs) | task results/s | SSH sessions per task | peak RSS MB: tree (largest process) | bastion connections per run: median (max) | hosts failed | changed in no-op |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of fleet) {
    lines.push(
      `| ${f.hosts} | ${f.scenario === 'first' ? 'first run (3 changes/host)' : 'no-op rerun'} | ${f.tool} | ${cell(f.seconds)} | ${f.tasksPerSecond.toFixed(1)} | ${f.sessionsPerTask.toFixed(1)} | ${mb(f.peakTreeMb)} (${mb(f.peakProcessMb)}) | ${f.bastionConnections.median} (${f.bastionConnections.max}) | ${f.failedHosts.length ? `${f.failedHosts.length}: ${f.failedHosts.slice(0, 8).join(', ')}${f.failedHosts.length > 8 ? '…' : ''}` : 'none'} | ${f.scenario === 'noop' ? f.changedHosts.length || 'none' : '–'} |`,
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
  const play = (n: number, scenario: 'first' | 'noop') => fleet.find((f) => f.tool === 'play' && f.hosts === n && f.scenario === scenario);
  const at64 = play(64, 'noop');
  const at4 = play(4, 'noop');
  if (!at64 || !at4) return ['(N = 4 and N = 64 were not both measured in this run.)'];
  const first64 = play(64, 'first')!;
  const all64 = fleet.filter((f) => f.tool === 'play' && f.hosts === 64);
  return [
    `- every host succeeds at N = 64 (play): ${all64.every((f) => f.failedHosts.length === 0) ? 'yes' : `no (${all64.flatMap((f) => f.failedHosts).join(', ')})`}`,
    `- the bastion sees one connection from play per run at N = 64: ${all64.every((f) => f.bastionConnections.max === 1) ? 'yes' : `no (max ${Math.max(...all64.map((f) => f.bastionConnections.max))})`}`,
    `- no-op wall time at N = 64 within 3× of N = 4: ${(at64.seconds.median / at4.seconds.median).toFixed(2)}× (${s2(at64.seconds.median)} s vs ${s2(at4.seconds.median)} s): ${at64.seconds.median <= 3 * at4.seconds.median ? 'yes' : 'no'}`,
    `- runner peak RSS under 300 MB at N = 64: ${mb(Math.max(first64.peakTreeMb, at64.peakTreeMb))} MB: ${Math.max(first64.peakTreeMb, at64.peakTreeMb) < 300 ? 'yes' : 'no'}`,
  ];
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
    '',
    '## Site on the lab',
    '',
    ...siteTable(report.site),
    '',
    '### Ratios (median wall time)',
    '',
    ...ratioTable(report.site),
    '',
    '## Fleet scale (one bastion, default MaxStartups)',
    '',
    ...fleetTable(report.fleet),
    '',
    ...fleetRatios(report.fleet),
    '',
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
