/**
 * The benchmark, one command (root; brings up the lab and the light hosts itself):
 *
 *   npx tsx bench/run.ts [--fleet 4,16,64,128] [--runs 3] [--ansible-runs 3] [--ansible-fleet-max 64] [--apps 2] [--no-site] [--no-fleet] [--out bench/RESULTS.md]
 *
 * Writes bench/RESULTS.md (keeping its hand-written Notes section) and its charts beside it,
 * bench/charts/*.svg. Never part of `npm test`: it takes tens of minutes. test/bench/smoke.bench.ts
 * runs the same code at N = 2, one run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { benchCharts, CHARTS_DIR } from './charts';
import { runFleetBench, type FleetFigure } from './fleet/fleet-bench';
import { toolVersions, type Tool } from './lib/tools';
import { renderReport } from './report';
import { runSiteBench, SITE_SCENARIOS, type SiteFigure, type SiteScenario } from './site/site-bench';

export interface BenchOptions {
  site: boolean;
  fleet: number[];
  runs: number;
  ansibleRuns: number;
  /** Fleet sizes above this are measured for play only. */
  ansibleFleetMax?: number;
  apps: number;
  /** The repeated site scenarios Ansible's defaults row runs (each takes minutes). */
  defaultsScenarios: SiteScenario[];
  out: string;
  logDir: string;
}

const sizes = (value: string): number[] => {
  const list = value.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError(`'${value}' is not a comma-separated list of host counts`);
  return list;
};
const scenarios = (value: string): SiteScenario[] => {
  const list = value.split(',').filter((s) => s !== '');
  const unknown = list.filter((s) => !SITE_SCENARIOS.includes(s as SiteScenario) || s === 'first');
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}: use noop, common, template`);
  return list as SiteScenario[];
};
const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return n;
};

/** The hand-written Notes of an earlier RESULTS.md, kept across runs. */
function previousNotes(file: string): string {
  if (!existsSync(file)) return '(none yet)';
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('\n## Notes\n');
  return at < 0 ? '(none yet)' : text.slice(at + '\n## Notes\n'.length);
}

/** Atomic: a crashed run never leaves half a file. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<{ site: SiteFigure[]; fleet: FleetFigure[]; report: string }> {
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const versions = await toolVersions();
  const ansibleRows: Tool[] = ['ansible-best', 'ansible-defaults'];
  const failures: string[] = [];
  // A failed part still leaves the other part's figures in RESULTS.md, with the failure said.
  const attempt = async <T>(part: string, work: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await work();
    } catch (err) {
      log(`${part} bench failed: ${(err as Error).message}`);
      failures.push(`- The ${part} bench failed in this run: ${(err as Error).message.split('\n')[0]}`);
      return [];
    }
  };
  const fleet = options.fleet.length > 0 ? await attempt('fleet', () => runFleetBench({ sizes: options.fleet, runs: { play: options.runs, [ansibleRows[0]]: options.ansibleRuns }, ansibleMaxHosts: options.ansibleFleetMax, log, logDir: options.logDir })) : [];
  const notes = previousNotes(options.out);
  const write = (site: SiteFigure[], pending: string[]): string => {
    const charts = benchCharts(site, fleet);
    const chartsDir = path.join(path.dirname(options.out), CHARTS_DIR);
    if (charts.length > 0) mkdirSync(chartsDir, { recursive: true });
    for (const chart of charts) writeAtomically(path.join(chartsDir, chart.file), chart.svg);
    const report = renderReport({
      startedAt,
      finishedAt: new Date(),
      versions,
      loadBefore,
      loadAfter: os.loadavg(),
      command: `bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
      site,
      fleet,
      charts,
      notes: [...pending, ...failures, notes].join('\n\n'),
    });
    writeAtomically(options.out, report);
    return report;
  };
  // The fleet figures are on disk before the (long) site part starts.
  if (options.site) write([], ['- The site bench of this run was still running when this file was written.']);
  const site = options.site
    ? await attempt('site', () => runSiteBench({
        apps: options.apps,
        runs: { play: options.runs, 'ansible-best': options.ansibleRuns, 'ansible-defaults': options.ansibleRuns },
        scenarios: { 'ansible-defaults': options.defaultsScenarios },
        ansibleFirstConverge: options.ansibleRuns > 0 ? ['ansible-best'] : [],
        log,
        logDir: options.logDir,
      }))
    : [];
  return { site, fleet, report: write(site, []) };
}

function main(): void {
  const program = new Command('bench')
    .description('play against Ansible on the same hosts, and play at fleet scale; writes bench/RESULTS.md')
    .option('--fleet <sizes>', 'light-host fleet sizes, comma-separated', sizes, [4, 16, 64, 128])
    .option('--no-fleet', 'skip the fleet bench')
    .option('--no-site', 'skip the site bench on the lab')
    .option('--runs <n>', 'runs per figure for play', count, 3)
    .option('--ansible-runs <n>', 'runs per figure for each Ansible row, site and fleet (0: play only)', count, 3)
    .option('--ansible-fleet-max <n>', 'largest fleet Ansible is measured on (larger ones: play only)', count)
    .option('--apps <n>', 'app hosts in the lab', count, 2)
    .option('--defaults-scenarios <list>', 'repeated site scenarios for the ansible-defaults row', scenarios, ['noop', 'common', 'template'])
    .option('--out <file>', 'the results file', path.join(__dirname, 'RESULTS.md'))
    .option('--log-dir <dir>', 'where every run\'s output is kept', path.join(os.tmpdir(), `pb-bench-logs-${Date.now()}`))
    .parse();
  const opts = program.opts<{ fleet: number[] | false; site: boolean; runs: number; ansibleRuns: number; ansibleFleetMax?: number; apps: number; defaultsScenarios: SiteScenario[]; out: string; logDir: string }>();
  if (process.getuid?.() !== 0) program.error('bench: needs root (network namespaces, the lab)');
  runBench({ site: opts.site, fleet: opts.fleet === false ? [] : opts.fleet, runs: opts.runs, ansibleRuns: opts.ansibleRuns, ansibleFleetMax: opts.ansibleFleetMax, apps: opts.apps, defaultsScenarios: opts.defaultsScenarios, out: path.resolve(opts.out), logDir: path.resolve(opts.logDir) }, (line) =>
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  ).then(
    ({ report }) => process.stdout.write(`${report}\nrun logs: ${opts.logDir}\n`),
    (err: Error) => {
      process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
