/**
 * Self-contained SVG charts for bench/RESULTS.md: no script, no external font, stylesheet or image,
 * a fixed viewBox and a white background of its own (GitHub shows an SVG as an image, on a dark page
 * too, and its own colours must stay readable there). Every drawn figure carries its number in a
 * data-* attribute, so a test can check the drawing against the figures it was given.
 */

export type Marker = 'circle' | 'square' | 'diamond';

export interface Series {
  name: string;
  color: string;
  /** stroke-dasharray of its line: lines stay apart in print and for colour-blind readers. */
  dash?: string;
  marker: Marker;
}

export interface Bar {
  series: string;
  value: number;
  /** Printed at the bar's end. */
  label: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChartSpec {
  title: string;
  /** Says the unit, and that the scale is logarithmic. */
  axisLabel: string;
  series: Series[];
  groups: BarGroup[];
}

export interface Point {
  x: number;
  y: number;
  /** Printed beside the point. */
  label: string;
}

export interface LineChartSpec {
  title: string;
  xAxisLabel: string;
  yAxisLabel: string;
  series: Series[];
  /** Points per series name; x > 0 (drawn on a log2 axis), y > 0 (log10 axis). */
  lines: Record<string, Point[]>;
  /** A horizontal dashed line, e.g. a target. */
  reference?: { value: number; label: string };
}

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d1d9e0';
const WIDTH = 760;
/** Average glyph width per pixel of font size, to leave room for labels without measuring text. */
const GLYPH = 0.6;

/** Characters XML 1.0 does not allow at all (escaping cannot save them). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

type Attributes = Record<string, string | number | undefined>;

/** Coordinates to a tenth of a pixel: exact enough, and the files stay small. */
const px = (value: number) => Math.round(value * 10) / 10;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .flatMap(([name, value]) => (value === undefined ? [] : [` ${name}="${escapeXml(typeof value === 'number' ? String(px(value)) : value)}"`]))
    .join('');
}

/** An element with already-rendered children. */
function tag(name: string, attrs: Attributes, children: string[] = []): string {
  return children.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${children.join('')}</${name}>`;
}

function text(attrs: Attributes, content: string): string {
  return `<text${attributes(attrs)}>${escapeXml(content)}</text>`;
}

/** A hover tooltip for the element it is the first child of. */
const tooltip = (content: string) => `<title>${escapeXml(content)}</title>`;

const textWidth = (content: string, size: number) => content.length * size * GLYPH;

/** Tick values without binary noise (3 × 0.1 is 0.30000000000000004). */
const clean = (value: number) => Number(value.toPrecision(12));

export interface Scale {
  /** Pixel position of a value. */
  at(value: number): number;
  ticks: number[];
}

/** 1, 2 and 5 times each power of ten: the round numbers a log axis ends on and marks. */
function roundNumbers(lowest: number, highest: number): number[] {
  const values: number[] = [];
  for (let decade = Math.floor(Math.log10(lowest)) - 1; decade <= Math.ceil(Math.log10(highest)) + 1; decade += 1) {
    for (const step of [1, 2, 5]) values.push(clean(step * 10 ** decade));
  }
  return values;
}

const MAX_TICKS = 9;

/**
 * A log10 axis from the round number (1, 2 or 5 × 10^k) below the smallest value to the one at or
 * above the largest, so no bar has zero length and no decade is left empty. Ticks at every round
 * number in between, or at the decades and both ends when that would crowd the axis.
 */
export function logScale(values: number[], from: number, to: number): Scale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) throw new Error('a log scale needs at least one positive value');
  const [smallest, largest] = [Math.min(...positive), Math.max(...positive)];
  const round = roundNumbers(smallest, largest);
  const low = round.filter((v) => v < smallest).pop()!;
  const high = round.find((v) => v >= largest)!;
  const inside = round.filter((v) => v >= low && v <= high);
  const decades = inside.filter((v) => Number.isInteger(Math.log10(v)));
  const ticks = inside.length <= MAX_TICKS ? inside : [...new Set([low, ...decades, high])];
  const [a, b] = [Math.log10(low), Math.log10(high)];
  return { at: (value) => from + ((Math.log10(value) - a) / (b - a)) * (to - from), ticks };
}

/** A log2 axis with a tick at each value given (fleet sizes 4, 16, 64, 128...). */
export function log2Scale(values: number[], from: number, to: number): Scale {
  const ticks = [...new Set(values)].sort((a, b) => a - b);
  const [low, high] = [Math.log2(ticks[0]), Math.log2(ticks[ticks.length - 1])];
  return { at: (value) => (high === low ? (from + to) / 2 : from + ((Math.log2(value) - low) / (high - low)) * (to - from)), ticks };
}

function marker(shape: Marker, color: string): string {
  const style = { fill: color, stroke: '#ffffff', 'stroke-width': 1 };
  if (shape === 'circle') return tag('circle', { r: 4.5, ...style });
  if (shape === 'square') return tag('rect', { x: -4, y: -4, width: 8, height: 8, ...style });
  return tag('path', { d: 'M0,-5.5L5.5,0L0,5.5L-5.5,0Z', ...style });
}

/** One row of swatches, each with its series' line and marker. */
function legend(series: Series[], x: number, y: number): string {
  let at = x;
  const items = series.map((s) => {
    const item = tag('g', { class: 'legend-item', 'data-series': s.name, transform: `translate(${px(at)},${px(y)})` }, [
      tag('line', { x1: 0, y1: 0, x2: 24, y2: 0, stroke: s.color, 'stroke-width': 3, 'stroke-dasharray': s.dash }),
      tag('g', { transform: 'translate(12,0)' }, [marker(s.marker, s.color)]),
      text({ x: 30, y: 4, 'font-size': 12, fill: INK }, s.name),
    ]);
    at += 30 + textWidth(s.name, 12) + 24;
    return item;
  });
  return tag('g', { class: 'legend' }, items);
}

function svgDocument(title: string, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${px(height)}" width="${WIDTH}" height="${px(height)}" role="img" font-family="${escapeXml(FONT)}">`,
    tooltip(title),
    tag('rect', { class: 'background', x: 0, y: 0, width: WIDTH, height, fill: '#ffffff' }),
    text({ x: 16, y: 26, 'font-size': 16, 'font-weight': 'bold', fill: INK }, title),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function tickLabel(value: number): string {
  return String(clean(value));
}

const BAR = 16;
const BAR_GAP = 3;
const GROUP_GAP = 16;

/** Horizontal bars, one group per label and one bar per series in it, on a log10 value axis. */
export function horizontalBarChart(spec: BarChartSpec): string {
  const color = new Map(spec.series.map((s) => [s.name, s.color]));
  const groups = spec.groups.map((g) => ({ ...g, bars: g.bars.filter((b) => b.value > 0 && Number.isFinite(b.value)) })).filter((g) => g.bars.length > 0);
  const left = 24 + Math.max(100, ...groups.map((g) => textWidth(g.label, 12)));
  const right = WIDTH - 24 - Math.max(40, ...groups.flatMap((g) => g.bars.map((b) => textWidth(b.label, 11))));
  const top = 70;
  const heights = groups.map((g) => g.bars.length * BAR + (g.bars.length - 1) * BAR_GAP);
  const bottom = top + heights.reduce((sum, h) => sum + h + GROUP_GAP, 0);
  const scale = logScale(groups.flatMap((g) => g.bars.map((b) => b.value)), left, right);
  const body: string[] = [legend(spec.series, 16, 48)];
  body.push(
    tag(
      'g',
      { class: 'axis x' },
      scale.ticks.map((value) =>
        tag('g', { class: 'tick', 'data-value': String(value) }, [
          tag('line', { x1: scale.at(value), y1: top - 6, x2: scale.at(value), y2: bottom, stroke: GRID, 'stroke-width': 1 }),
          text({ x: scale.at(value), y: bottom + 16, 'font-size': 11, fill: MUTED, 'text-anchor': 'middle' }, tickLabel(value)),
        ]),
      ),
    ),
    tag('line', { x1: left, y1: top - 6, x2: left, y2: bottom, stroke: MUTED, 'stroke-width': 1 }),
    text({ x: (left + right) / 2, y: bottom + 38, 'font-size': 12, fill: INK, 'text-anchor': 'middle' }, spec.axisLabel),
  );
  let y = top;
  groups.forEach((group, index) => {
    const bars = group.bars.map((bar, slot) => {
      const barY = y + slot * (BAR + BAR_GAP);
      const end = scale.at(bar.value);
      return tag('g', {}, [
        tag('rect', { class: 'bar', 'data-series': bar.series, 'data-group': group.label, 'data-value': String(bar.value), x: left, y: barY, width: end - left, height: BAR, fill: color.get(bar.series) ?? MUTED }, [
          tooltip(`${bar.series}, ${group.label}: ${bar.label}`),
        ]),
        text({ class: 'value', x: end + 4, y: barY + BAR - 4, 'font-size': 11, fill: INK }, bar.label),
      ]);
    });
    body.push(
      tag('g', { class: 'group', 'data-group': group.label }, [
        text({ x: left - 8, y: y + heights[index] / 2 + 4, 'font-size': 12, fill: INK, 'text-anchor': 'end' }, group.label),
        ...bars,
      ]),
    );
    y += heights[index] + GROUP_GAP;
  });
  return svgDocument(spec.title, bottom + 52, body);
}

/** A line per series over a log2 x axis (fleet sizes) and a log10 y axis. */
export function lineChart(spec: LineChartSpec): string {
  const height = 420;
  const [left, right, top, bottom] = [78, WIDTH - 60, 70, height - 64];
  const points = Object.values(spec.lines).flat();
  const x = log2Scale(points.map((p) => p.x), left + 24, right - 24);
  // Lifted off the x axis, so the lowest point's label stays above it.
  const y = logScale([...points.map((p) => p.y), ...(spec.reference ? [spec.reference.value] : [])], bottom - 14, top);
  const body: string[] = [
    legend(spec.series, 16, 48),
    tag(
      'g',
      { class: 'axis y' },
      y.ticks.map((value) =>
        tag('g', { class: 'tick', 'data-value': String(value) }, [
          tag('line', { x1: left, y1: y.at(value), x2: right, y2: y.at(value), stroke: GRID, 'stroke-width': 1 }),
          text({ x: left - 6, y: y.at(value) + 4, 'font-size': 11, fill: MUTED, 'text-anchor': 'end' }, tickLabel(value)),
        ]),
      ),
    ),
    tag(
      'g',
      { class: 'axis x' },
      x.ticks.map((value) =>
        tag('g', { class: 'tick', 'data-value': String(value) }, [
          tag('line', { x1: x.at(value), y1: bottom, x2: x.at(value), y2: bottom + 5, stroke: MUTED, 'stroke-width': 1 }),
          text({ x: x.at(value), y: bottom + 18, 'font-size': 11, fill: MUTED, 'text-anchor': 'middle' }, tickLabel(value)),
        ]),
      ),
    ),
    tag('path', { d: `M${left},${top}V${bottom}H${right}`, fill: 'none', stroke: MUTED, 'stroke-width': 1 }),
    text({ x: (left + right) / 2, y: bottom + 42, 'font-size': 12, fill: INK, 'text-anchor': 'middle' }, spec.xAxisLabel),
    text({ x: 0, y: 0, transform: `translate(20,${px((top + bottom) / 2)}) rotate(-90)`, 'font-size': 12, fill: INK, 'text-anchor': 'middle' }, spec.yAxisLabel),
  ];
  if (spec.reference) {
    const at = y.at(spec.reference.value);
    body.push(
      tag('g', { class: 'reference', 'data-value': String(spec.reference.value) }, [
        tag('line', { x1: left, y1: at, x2: right, y2: at, stroke: MUTED, 'stroke-width': 1.5, 'stroke-dasharray': '8 4' }),
        text({ x: right, y: at - 5, 'font-size': 11, fill: MUTED, 'text-anchor': 'end' }, spec.reference.label),
      ]),
    );
  }
  for (const series of spec.series) {
    const line = [...(spec.lines[series.name] ?? [])].filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x);
    if (line.length === 0) continue;
    body.push(
      tag('g', { class: 'line', 'data-series': series.name }, [
        tag('path', { d: line.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(x.at(p.x))},${px(y.at(p.y))}`).join(''), fill: 'none', stroke: series.color, 'stroke-width': 2, 'stroke-dasharray': series.dash }),
        ...line.map((p) =>
          tag('g', { class: 'point', 'data-series': series.name, 'data-x': String(p.x), 'data-y': String(p.y), transform: `translate(${px(x.at(p.x))},${px(y.at(p.y))})` }, [
            tooltip(`${series.name}, ${p.x}: ${p.label}`),
            marker(series.marker, series.color),
            // Below and right of the point: clear of a line that rises to the right, as these do.
            text({ x: 7, y: 15, 'font-size': 10, fill: INK }, p.label),
          ]),
        ),
      ]),
    );
  }
  return svgDocument(spec.title, height, body);
}
