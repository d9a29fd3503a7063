import { spawnSync } from 'node:child_process';
import { benchCharts, fleetMemoryChart, fleetTimeChart, siteTimeChart } from '../../bench/charts';
import type { FleetFigure } from '../../bench/fleet/fleet-bench';
import { seconds as formatSeconds } from '../../bench/lib/format';
import { horizontalBarChart } from '../../bench/lib/svg-chart';
import type { Tool } from '../../bench/lib/tools';
import type { SiteFigure, SiteScenario } from '../../bench/site/site-bench';

/*
 * The charts are checked as XML by a real parser (Python's ElementTree, which rejects anything not
 * well-formed), then their geometry against the figures they were drawn from: every bar ends and
 * every point sits where the chart's own axis ticks say its value belongs.
 */

interface Node {
  tag: string;
  attrs: Record<string, string>;
  text: string;
  children: Node[];
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function parseSvg(svg: string): Node {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'def walk(e): return {"tag": e.tag, "attrs": e.attrib, "text": e.text or "", "children": [walk(c) for c in e]}',
    'print(json.dumps(walk(ET.fromstring(sys.stdin.buffer.read()))))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { input: svg, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`not well-formed XML: ${result.stderr}`);
  return JSON.parse(result.stdout) as Node;
}

const all = (node: Node): Node[] => [node, ...node.children.flatMap(all)];
const local = (node: Node) => node.tag.replace(`{${SVG_NS}}`, '');
const withClass = (root: Node, name: string) => all(root).filter((n) => (n.attrs.class ?? '').split(' ').includes(name));
const num = (value: string | undefined) => {
  const n = Number(value);
  if (value === undefined || Number.isNaN(n)) throw new Error(`not a number: ${value}`);
  return n;
};
const translate = (node: Node) => {
  const match = /translate\(([-\d.]+),([-\d.]+)\)/.exec(node.attrs.transform ?? '');
  if (!match) throw new Error(`no translate in ${JSON.stringify(node.attrs)}`);
  return { x: Number(match[1]), y: Number(match[2]) };
};

/** Pixel position of a value on a log axis, from two of the axis' own ticks. */
function logAxis(root: Node, axis: 'x' | 'y'): (value: number) => number {
  const group = withClass(root, 'axis').find((n) => n.attrs.class === `axis ${axis}`)!;
  const ticks = withClass(group, 'tick').map((tick) => {
    const line = tick.children.find((c) => local(c) === 'line')!;
    return { value: num(tick.attrs['data-value']), at: num(axis === 'x' ? line.attrs.x1 : line.attrs.y1) };
  });
  const [a, b] = [ticks[0], ticks[ticks.length - 1]];
  expect(b.value).toBeGreaterThan(a.value);
  return (value) => a.at + ((Math.log10(value) - Math.log10(a.value)) / (Math.log10(b.value) - Math.log10(a.value))) * (b.at - a.at);
}

const spread = (median: number) => ({ median, min: median * 0.9, max: median * 1.2, runs: 3 });

const SITE: [SiteScenario, Tool, number][] = [
  ['first', 'play', 39.3],
  ['first', 'ansible-best', 110.5],
  ['noop', 'play', 1.2],
  ['noop', 'ansible-best', 59.8],
  ['noop', 'ansible-defaults', 85],
  ['common', 'play', 0.9],
  ['common', 'ansible-best', 46.2],
  ['template', 'play', 2.05],
  ['template', 'ansible-best', 66.3],
];
const site: SiteFigure[] = SITE.map(([scenario, tool, seconds]) => ({ tool, scenario, seconds: spread(seconds), tasksPerSecond: 10, peakTreeMb: 100, peakProcessMb: 90, problems: [] }));

function fleetFigure(tool: Tool, hosts: number, scenario: 'first' | 'noop', seconds: number, peakTreeMb: number): FleetFigure {
  return {
    tool,
    hosts,
    scenario,
    seconds: spread(seconds),
    tasksPerSecond: 50,
    peakTreeMb,
    peakProcessMb: peakTreeMb - 2,
    bastionConnections: { median: 1, max: 1 },
    sessionsPerTask: 1,
    runnerCpuSeconds: 1,
    hostsCpuSeconds: 2,
    bastionCpuSeconds: 0.1,
    failedHosts: [],
    changedHosts: [],
    exitCodes: [0],
  };
}

/** [hosts, no-op seconds, first-run peak MB, no-op peak MB] */
const FLEET: Record<string, [number, number, number, number][]> = {
  play: [
    [4, 0.67, 81, 79],
    [16, 1.39, 84, 86],
    [64, 3.48, 110, 104],
    [128, 6.05, 127, 120],
  ],
  'ansible-best': [
    [4, 5.12, 327, 294],
    [16, 15.5, 1096, 990],
    [64, 60.9, 2729, 2010],
  ],
};
const fleet = Object.entries(FLEET).flatMap(([tool, rows]) =>
  rows.flatMap(([hosts, noop, firstMb, noopMb]) => [fleetFigure(tool as Tool, hosts, 'first', noop * 1.3, firstMb), fleetFigure(tool as Tool, hosts, 'noop', noop, noopMb)]),
);

describe('bench charts', () => {
  test('every chart is a well-formed SVG with a fixed viewBox, a white background, a title and a legend of the tools measured', () => {
    const charts = benchCharts(site, fleet);
    expect(charts.map((c) => c.file)).toEqual(['site-time.svg', 'fleet-time.svg', 'fleet-memory.svg']);
    for (const chart of charts) {
      const root = parseSvg(chart.svg);
      expect(root.tag).toBe(`{${SVG_NS}}svg`);
      expect(root.attrs.viewBox).toMatch(/^0 0 \d+(\.\d)? \d+(\.\d)?$/);
      const background = root.children.find((c) => local(c) === 'rect')!;
      expect(background.attrs).toMatchObject({ class: 'background', x: '0', y: '0', fill: '#ffffff', width: root.attrs.viewBox.split(' ')[2], height: root.attrs.viewBox.split(' ')[3] });
      // Nothing fetched from elsewhere: no links, images, scripts or style sheets.
      expect(all(root).filter((n) => ['a', 'image', 'script', 'style', 'foreignObject'].includes(local(n)) || Object.keys(n.attrs).some((a) => a.endsWith('}href')))).toEqual([]);
      const legend = withClass(root, 'legend-item').map((n) => n.attrs['data-series']);
      expect(legend).toEqual(chart.file === 'site-time.svg' ? ['play', 'ansible-best', 'ansible-defaults'] : ['play', 'ansible-best']);
      expect(all(root).filter((n) => local(n) === 'text').map((n) => n.text)).toEqual(expect.arrayContaining([expect.stringMatching(/log scale/)]));
    }
  });

  test('site chart: one group per scenario, bars ending where the log axis puts each median, printed at the end', () => {
    const root = parseSvg(siteTimeChart(site)!);
    const groups = withClass(root, 'group').map((g) => g.attrs['data-group']);
    expect(groups).toEqual(['first converge (fresh hosts)', 'no-op converge', '--tags common no-op', 'single template change']);
    const axisLabel = all(root).find((n) => local(n) === 'text' && /seconds/.test(n.text))!;
    expect(axisLabel.text).toBe('wall time, seconds (log scale)');
    const x = logAxis(root, 'x');
    const bars = withClass(root, 'bar');
    expect(bars).toHaveLength(SITE.length);
    const left = num(bars[0].attrs.x);
    for (const [scenario, tool, seconds] of SITE) {
      const group = withClass(root, 'group').find((g) => g.attrs['data-group'] === groups[['first', 'noop', 'common', 'template'].indexOf(scenario)])!;
      const bar = withClass(group, 'bar').find((b) => b.attrs['data-series'] === tool)!;
      expect({ tool, scenario, value: num(bar.attrs['data-value']), x: num(bar.attrs.x) }).toEqual({ tool, scenario, value: seconds, x: left });
      expect(Math.abs(num(bar.attrs.x) + num(bar.attrs.width) - x(seconds))).toBeLessThan(0.2);
      const label = withClass(group, 'value').find((t) => Math.abs(num(t.attrs.y) - (num(bar.attrs.y) + num(bar.attrs.height) - 4)) < 0.01)!;
      expect(label.text).toBe(`${formatSeconds(seconds)} s`);
      expect(num(label.attrs.x)).toBeCloseTo(num(bar.attrs.x) + num(bar.attrs.width) + 4, 0);
    }
    // Within each scenario: play's bar the shortest, then Ansible at its best, then at its defaults.
    for (const group of withClass(root, 'group')) {
      const widths = withClass(group, 'bar').map((b) => ({ tool: b.attrs['data-series'], width: num(b.attrs.width) }));
      expect(widths.map((w) => w.tool)).toEqual(['play', 'ansible-best', 'ansible-defaults'].filter((t) => widths.some((w) => w.tool === t)));
      expect([...widths].sort((a, b) => a.width - b.width)).toEqual(widths);
    }
  });

  test('fleet time chart: a line per tool, points on a log2 N axis and a log time axis', () => {
    const root = parseSvg(fleetTimeChart(fleet)!);
    const x = withClass(withClass(root, 'axis').find((n) => n.attrs.class === 'axis x')!, 'tick').map((t) => ({ n: num(t.attrs['data-value']), at: num(t.children[0].attrs.x1) }));
    expect(x.map((t) => t.n)).toEqual([4, 16, 64, 128]);
    const y = logAxis(root, 'y');
    for (const [tool, rows] of Object.entries(FLEET)) {
      const points = withClass(root, 'point').filter((p) => p.attrs['data-series'] === tool);
      expect(points.map((p) => num(p.attrs['data-x']))).toEqual(rows.map(([hosts]) => hosts));
      for (const [index, [hosts, seconds]] of rows.entries()) {
        const at = translate(points[index]);
        expect(num(points[index].attrs['data-y'])).toBe(seconds);
        expect(Math.abs(at.y - y(seconds))).toBeLessThan(0.2);
        expect(Math.abs(at.x - x.find((t) => t.n === hosts)!.at)).toBeLessThan(0.2);
        expect(points[index].children.find((c) => local(c) === 'text')!.text).toBe(`${formatSeconds(seconds)} s`);
      }
    }
    // log2: each factor of 4 in N is the same distance, a factor of 2 half of it.
    const step = (a: number, b: number) => x.find((t) => t.n === b)!.at - x.find((t) => t.n === a)!.at;
    expect(step(4, 16)).toBeGreaterThan(0);
    expect(step(16, 64)).toBeCloseTo(step(4, 16), 0);
    expect(step(64, 128) * 2).toBeCloseTo(step(4, 16), 0);
    // Ansible is slower at every N: higher up, i.e. a smaller y.
    const playY = withClass(root, 'point').filter((p) => p.attrs['data-series'] === 'play').map((p) => translate(p).y);
    const ansibleY = withClass(root, 'point').filter((p) => p.attrs['data-series'] === 'ansible-best').map((p) => translate(p).y);
    ansibleY.forEach((ay, i) => expect(ay).toBeLessThan(playY[i]));
  });

  test('fleet memory chart: the higher peak of the first and the no-op run, and the 150 MB target line', () => {
    const root = parseSvg(fleetMemoryChart(fleet)!);
    const y = logAxis(root, 'y');
    for (const [tool, rows] of Object.entries(FLEET)) {
      const points = withClass(root, 'point').filter((p) => p.attrs['data-series'] === tool);
      expect(points.map((p) => num(p.attrs['data-y']))).toEqual(rows.map(([, , first, noop]) => Math.max(first, noop)));
      for (const point of points) expect(Math.abs(translate(point).y - y(num(point.attrs['data-y'])))).toBeLessThan(0.2);
    }
    const [reference] = withClass(root, 'reference');
    expect(num(reference.attrs['data-value'])).toBe(150);
    expect(Math.abs(num(reference.children[0].attrs.y1) - y(150))).toBeLessThan(0.2);
  });

  test('labels are escaped: quotes, ampersands and angle brackets come back as written; control characters are dropped', () => {
    const label = 'a <b> & "c" \'d\'';
    const root = parseSvg(
      horizontalBarChart({
        title: 'T & <t>',
        axisLabel: 'x (log scale)',
        series: [{ name: 's&<1>', color: '#000000', marker: 'circle' }],
        groups: [{ label: `${label}\u0007`, bars: [{ series: 's&<1>', value: 2, label: '2 & more' }] }],
      }),
    );
    expect(withClass(root, 'group')[0].attrs['data-group']).toBe(label);
    expect(withClass(root, 'bar')[0].attrs['data-series']).toBe('s&<1>');
    const texts = all(root).filter((n) => local(n) === 'text').map((n) => n.text);
    expect(texts).toEqual(expect.arrayContaining(['T & <t>', label, 's&<1>', '2 & more']));
  });

  test('a part not measured has no chart', () => {
    expect(benchCharts([], [])).toEqual([]);
    expect(benchCharts(site, []).map((c) => c.file)).toEqual(['site-time.svg']);
    expect(benchCharts([], fleet.filter((f) => f.scenario === 'first')).map((c) => c.file)).toEqual(['fleet-memory.svg']);
    // Nothing to put on a log axis: a run whose memory was never sampled.
    expect(benchCharts([], [{ ...fleet[0], peakTreeMb: 0 }]).map((c) => c.file)).toEqual([]);
  });
});
