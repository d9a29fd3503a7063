import { benchCharts } from '../../bench/charts';
import type { FleetFigure } from '../../bench/fleet/fleet-bench';
import type { Tool } from '../../bench/lib/tools';
import { renderReport, type BenchReport } from '../../bench/report';
import type { SiteFigure, SiteScenario } from '../../bench/site/site-bench';

/* RESULTS.md from given figures: the targets of issue 15 judged row by row, the CPU columns, the charts linked. */

const spread = (median: number) => ({ median, min: median, max: median, runs: 3 });

function siteFigure(tool: Tool, scenario: SiteScenario, seconds: number): SiteFigure {
  return { tool, scenario, seconds: spread(seconds), tasksPerSecond: 10, peakTreeMb: 100, peakProcessMb: 90, problems: [] };
}

function fleetFigure(hosts: number, scenario: 'first' | 'noop', seconds: number, extra: Partial<FleetFigure> = {}): FleetFigure {
  return {
    tool: 'play',
    hosts,
    scenario,
    seconds: spread(seconds),
    tasksPerSecond: 50,
    peakTreeMb: 100,
    peakProcessMb: 98,
    bastionConnections: { median: 1, max: 1 },
    sessionsPerTask: 1,
    runnerCpuSeconds: 1.25,
    hostsCpuSeconds: 3.5,
    bastionCpuSeconds: 0.42,
    failedHosts: [],
    changedHosts: [],
    exitCodes: [0],
    ...extra,
  };
}

function report(site: SiteFigure[], fleet: FleetFigure[]): string {
  const input: BenchReport = {
    startedAt: new Date('2026-12-01T00:00:00Z'),
    finishedAt: new Date('2026-12-01T00:30:00Z'),
    versions: { node: 'v20' },
    loadBefore: [1, 1, 1],
    loadAfter: [2, 2, 2],
    command: 'bench/run.ts',
    site,
    fleet,
    charts: benchCharts(site, fleet),
    notes: 'kept',
  };
  return renderReport(input);
}

/** The rows of the first table after `heading`, as cells. */
function table(text: string, heading: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line, i) => i > lines.indexOf(heading) && line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start + 2; lines[i]?.startsWith('|'); i += 1) rows.push(lines[i].split('|').slice(1, -1).map((cell) => cell.trim()));
  return rows;
}

describe('RESULTS.md', () => {
  // Ratios right at, and just under, each new target: noop 50×, common 50×, template 30×, first 3×.
  const site = [
    siteFigure('play', 'first', 10),
    siteFigure('ansible-best', 'first', 30),
    siteFigure('play', 'noop', 1),
    siteFigure('ansible-best', 'noop', 49.9),
    siteFigure('play', 'common', 1),
    siteFigure('ansible-best', 'common', 50),
    siteFigure('play', 'template', 2),
    siteFigure('ansible-best', 'template', 60),
  ];

  test('the site ratios are judged against the targets of issue 15', () => {
    const rows = table(report(site, []), '### Ratios (median wall time)').map(([scenario, , , target, met]) => [scenario, target, met]);
    expect(rows).toEqual([
      ['first converge (fresh hosts)', '≥ 3×', 'yes'],
      ['no-op converge', '≥ 50×', 'no'],
      ['`--tags common` no-op', '≥ 50×', 'yes'],
      ['single template change', '≥ 30×', 'yes'],
    ]);
  });

  test('the fleet targets: N = 64 within 3× of N = 4, one bastion connection, under 150 MB, every host succeeded', () => {
    const met = (fleet: FleetFigure[]) => table(report([], fleet), '### Fleet targets (play)').map(([target, , ok]) => [target.replace(/ at N = 64.*/, ''), ok]);
    const good = [fleetFigure(4, 'noop', 1), fleetFigure(64, 'first', 3.2), fleetFigure(64, 'noop', 3)];
    expect(met(good)).toEqual([
      ['no-op wall time', 'yes'],
      ['one bastion connection per run', 'yes'],
      ["play's peak memory (process tree) < 150 MB", 'yes'],
      ['every host succeeds', 'yes'],
    ]);
    const bad = [
      fleetFigure(4, 'noop', 1),
      fleetFigure(64, 'first', 3.2, { bastionConnections: { median: 1, max: 2 }, failedHosts: ['h007'] }),
      fleetFigure(64, 'noop', 3.01, { peakTreeMb: 150 }),
    ];
    expect(met(bad).map(([, ok]) => ok)).toEqual(['no', 'no', 'no', 'no']);
    expect(table(report([], bad), '### Fleet targets (play)').map(([, measured]) => measured)).toEqual(['3.01× (3.01 s ÷ 1.00 s)', 'at most 2', '150 MB', '1 failed: h007']);
    // Without N = 64 nothing is judged.
    expect(met([fleetFigure(4, 'noop', 1)]).map(([, ok]) => ok)).toEqual(['–', '–']);
  });

  test('the fleet table has the runner\'s and the hosts\' CPU seconds apart', () => {
    const [header] = report([], [fleetFigure(4, 'noop', 1)])
      .split('\n')
      .filter((line) => line.startsWith('| N | workload |'));
    const columns = header.split('|').map((c) => c.trim());
    const [row] = table(report([], [fleetFigure(4, 'noop', 1)]), '## Fleet scale (one bastion, default MaxStartups)');
    const at = (name: string) => row[columns.indexOf(name) - 1];
    expect({ runner: at('runner CPU s'), hosts: at('hosts CPU s'), bastion: at('bastion CPU s') }).toEqual({ runner: '1.25', hosts: '3.50', bastion: '0.42' });
  });

  test('the charts are linked by relative paths where their figures are, and only those drawn', () => {
    const links = (text: string) => [...text.matchAll(/!\[[^\]]+\]\(([^)]+)\)/g)].map((m) => m[1]);
    const fleet = [fleetFigure(4, 'noop', 1), fleetFigure(64, 'noop', 3)];
    const both = report(site, fleet);
    expect(links(both)).toEqual(['charts/site-time.svg', 'charts/fleet-time.svg', 'charts/fleet-memory.svg']);
    expect(both.indexOf('charts/site-time.svg')).toBeLessThan(both.indexOf('## Fleet scale'));
    expect(both.indexOf('charts/fleet-time.svg')).toBeGreaterThan(both.indexOf('## Fleet scale'));
    expect(links(report([], fleet))).toEqual(['charts/fleet-time.svg', 'charts/fleet-memory.svg']);
  });
});
