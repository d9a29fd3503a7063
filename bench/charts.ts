import type { FleetFigure } from './fleet/fleet-bench';
import { megabytes, seconds } from './lib/format';
import { horizontalBarChart, lineChart, type Point, type Series } from './lib/svg-chart';
import { TOOLS, type Tool } from './lib/tools';
import { FLEET_MEMORY_TARGET_MB, SCENARIO_NAMES } from './report';
import type { SiteFigure, SiteScenario } from './site/site-bench';

/** The charts of bench/RESULTS.md, written beside it in charts/ and linked from it. */
export interface Chart {
  /** File name inside CHARTS_DIR. */
  file: string;
  /** The image's alt text in RESULTS.md. */
  alt: string;
  svg: string;
}

export const CHARTS_DIR = 'charts';

/** Okabe–Ito colours (apart for colour-blind readers), each tool with its own dash and marker too. */
const STYLE: Record<Tool, Series> = {
  play: { name: 'play', color: '#0072B2', marker: 'circle' },
  'ansible-best': { name: 'ansible-best', color: '#D55E00', dash: '7 4', marker: 'square' },
  'ansible-defaults': { name: 'ansible-defaults', color: '#CC79A7', dash: '2 3', marker: 'diamond' },
};

/** A log axis has no place for zero: a run too short to sample its memory, say, is left off the chart. */
const drawable = (value: number) => value > 0 && Number.isFinite(value);

const seriesOf = (tools: Tool[]): Series[] => TOOLS.filter((tool) => tools.includes(tool)).map((tool) => STYLE[tool]);

/** Chart A: the median wall time of each site scenario, a bar per tool. */
export function siteTimeChart(figures: SiteFigure[]): string | undefined {
  const site = figures.filter((f) => drawable(f.seconds.median));
  if (site.length === 0) return undefined;
  const groups = (Object.keys(SCENARIO_NAMES) as SiteScenario[])
    .map((scenario) => ({
      // Markdown's code quotes mean nothing in an image.
      label: SCENARIO_NAMES[scenario].replace(/`/g, ''),
      bars: TOOLS.flatMap((tool) => site.filter((f) => f.tool === tool && f.scenario === scenario).map((f) => ({ series: tool, value: f.seconds.median, label: `${seconds(f.seconds.median)} s` }))),
    }))
    .filter((group) => group.bars.length > 0);
  return horizontalBarChart({
    title: 'Site on the lab: wall time per scenario (median of runs)',
    axisLabel: 'wall time, seconds (log scale)',
    series: seriesOf(site.map((f) => f.tool)),
    groups,
  });
}

/** Per tool, one point per fleet size: what `value` makes of that size's figures. */
function fleetLines(fleet: FleetFigure[], value: (figures: FleetFigure[]) => number, label: (value: number) => string): Record<string, Point[]> {
  const lines: Record<string, Point[]> = {};
  for (const tool of TOOLS) {
    const sizes = [...new Set(fleet.filter((f) => f.tool === tool).map((f) => f.hosts))];
    if (sizes.length === 0) continue;
    lines[tool] = sizes.map((hosts) => {
      const y = value(fleet.filter((f) => f.tool === tool && f.hosts === hosts));
      return { x: hosts, y, label: label(y) };
    });
  }
  return lines;
}

/** Chart B: the fleet's no-op rerun, median wall time against N. */
export function fleetTimeChart(fleet: FleetFigure[]): string | undefined {
  const noop = fleet.filter((f) => f.scenario === 'noop' && drawable(f.seconds.median));
  if (noop.length === 0) return undefined;
  return lineChart({
    title: 'Fleet no-op rerun: wall time against fleet size (median of runs)',
    xAxisLabel: 'hosts N (log2 scale)',
    yAxisLabel: 'wall time, seconds (log scale)',
    series: seriesOf(noop.map((f) => f.tool)),
    lines: fleetLines(noop, ([f]) => f.seconds.median, (y) => `${seconds(y)} s`),
  });
}

/** Chart C: the runner's peak memory (its whole process tree, first run or no-op, whichever is higher) against N. */
export function fleetMemoryChart(figures: FleetFigure[]): string | undefined {
  const fleet = figures.filter((f) => drawable(f.peakTreeMb));
  if (fleet.length === 0) return undefined;
  return lineChart({
    title: "Fleet: peak memory of the runner's process tree against fleet size",
    xAxisLabel: 'hosts N (log2 scale)',
    yAxisLabel: 'peak RSS of the process tree, MB (log scale)',
    series: seriesOf(fleet.map((f) => f.tool)),
    lines: fleetLines(fleet, (figures) => Math.max(...figures.map((f) => f.peakTreeMb)), (y) => `${megabytes(y)} MB`),
    reference: { value: FLEET_MEMORY_TARGET_MB, label: `play's target: ${FLEET_MEMORY_TARGET_MB} MB` },
  });
}

/** The charts this run has figures for. */
export function benchCharts(site: SiteFigure[], fleet: FleetFigure[]): Chart[] {
  const charts: (Omit<Chart, 'svg'> & { svg: string | undefined })[] = [
    { file: 'site-time.svg', alt: 'Site on the lab: median wall time per scenario and tool (log scale)', svg: siteTimeChart(site) },
    { file: 'fleet-time.svg', alt: 'Fleet no-op rerun: median wall time against the number of hosts, per tool', svg: fleetTimeChart(fleet) },
    { file: 'fleet-memory.svg', alt: "Fleet: the runner's peak process-tree memory against the number of hosts, per tool", svg: fleetMemoryChart(fleet) },
  ];
  return charts.filter((chart): chart is Chart => chart.svg !== undefined);
}
