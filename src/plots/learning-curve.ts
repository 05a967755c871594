import { element, escapeXml, num, textWidth, truncate } from './svg.ts';
import { niceScale, type Scale } from './ticks.ts';

/** One iteration of one run (or the mean over seeds, with their standard deviations). */
export interface CurvePoint {
  hours: number;
  ap: number;
  iteration: number;
  hoursStd?: number;
  apStd?: number;
}

export interface CurveSeries {
  label: string;
  points: CurvePoint[];
}

export interface LearningCurveOptions {
  title?: string;
  /** Horizontal dashed lines, e.g. the fully supervised mask AP. */
  reference?: { label: string; ap: number }[];
}

/** Okabe-Ito, the colour-blind-safe palette, without its yellow (unreadable on white). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
/** Palette colours dark enough for white marker numbers; the others get black ones. */
const DARK = new Set(['#0072B2', '#D55E00', '#009E73', '#000000']);
/** After the palette runs out, series repeat its colours with these dash patterns. */
const DASHES = [undefined, '8 4', '2 3', '8 3 2 3'];
const FONT = 'DejaVu Sans, Arial, sans-serif';
const DEFAULT_TITLE = 'Mask AP against cumulative human annotation hours';
const X_LABEL = 'Cumulative human annotation hours';
const Y_LABEL = 'Mask AP';

const PLOT = { left: 72, top: 56, width: 560, height: 360 };
const LEGEND = { gap: 28, width: 230, row: 22, maxChars: 30 };
const WIDTH = PLOT.left + PLOT.width + LEGEND.gap + LEGEND.width;
const MIN_HEIGHT = PLOT.top + PLOT.height + 64;

interface Frame {
  x: Scale;
  y: Scale;
  px: (hours: number) => number;
  py: (ap: number) => number;
}

interface Drawn {
  label: string;
  colour: string;
  dash: string | undefined;
  points: CurvePoint[];
}

/**
 * The study's picture as a self-contained SVG: mask AP against cumulative human annotation hours, one
 * line per series, each point numbered with its iteration, error bars where standard deviations are
 * given, dashed reference lines. The same input always gives the same bytes.
 */
export function learningCurveSvg(series: CurveSeries[], options: LearningCurveOptions = {}): string {
  const title = options.title ?? DEFAULT_TITLE;
  const drawn = series.map(styled);
  const references = (options.reference ?? []).filter((r) => Number.isFinite(r.ap));
  const height = Math.max(MIN_HEIGHT, PLOT.top + legendHeight(drawn, references) + 24);
  if (drawn.every((s) => s.points.length === 0)) return noData(title, height);
  const frame = frameFor(drawn, references);
  const body = [
    axes(frame),
    ...references.map((r) => referenceLine(r, frame)),
    referenceLabels(references, frame),
    `<g class="series-set">${drawn.map((s, i) => seriesGroup(s, i, frame)).join('')}</g>`,
    legend(drawn, references),
  ];
  return document(title, height, body.join(''));
}

/** Renders an SVG at twice its size (144 dpi), for a sharp picture in reports and on high-DPI screens. */
export async function svgToPng(svg: string): Promise<Buffer> {
  const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
  return sharp(Buffer.from(svg), { density: 144 }).png({ compressionLevel: 9 }).toBuffer();
}

/** Keeps the finite points, in iteration order, and gives the series its colour and dash. */
function styled(s: CurveSeries, i: number): Drawn {
  const points = s.points
    .filter((p) => Number.isFinite(p.hours) && Number.isFinite(p.ap) && Number.isFinite(p.iteration))
    .map((p) => ({
      ...p,
      hoursStd: finiteSpread(p.hoursStd),
      apStd: finiteSpread(p.apStd),
    }))
    .sort((a, b) => a.iteration - b.iteration || a.hours - b.hours);
  return {
    label: String(s.label ?? ''),
    colour: PALETTE[i % PALETTE.length],
    dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length],
    points,
  };
}

function finiteSpread(value: number | undefined): number | undefined {
  return value !== undefined && value !== null && Number.isFinite(value) && value > 0 ? value : undefined;
}

function frameFor(drawn: Drawn[], references: { ap: number }[]): Frame {
  const points = drawn.flatMap((s) => s.points);
  const xs = points.flatMap((p) => [p.hours - (p.hoursStd ?? 0), p.hours + (p.hoursStd ?? 0)]);
  const ys = [
    ...points.flatMap((p) => [p.ap - (p.apStd ?? 0), p.ap + (p.apStd ?? 0)]),
    ...references.map((r) => r.ap),
  ];
  // Both axes start at 0: the reader compares shares of hours and of AP, not differences.
  const x = niceScale(Math.min(0, ...xs), Math.max(...xs), 6);
  const y = niceScale(Math.min(0, ...ys), Math.max(...ys), 5);
  return {
    x,
    y,
    px: (hours) => PLOT.left + ((hours - x.min) / (x.max - x.min)) * PLOT.width,
    py: (ap) => PLOT.top + PLOT.height - ((ap - y.min) / (y.max - y.min)) * PLOT.height,
  };
}

function document(title: string, height: number, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="${FONT}" font-size="12">`,
    element('title', {}, escapeXml(title)),
    element('rect', { class: 'background', x: 0, y: 0, width: WIDTH, height, fill: '#ffffff' }),
    element(
      'text',
      { class: 'title', x: PLOT.left, y: 30, 'font-size': 16, 'font-weight': 'bold', fill: '#111111' },
      escapeXml(truncate(title, 90)),
    ),
    body,
    '</svg>',
  ].join('');
}

function noData(title: string, height: number): string {
  const frame = element('rect', {
    class: 'plot-area',
    x: PLOT.left,
    y: PLOT.top,
    width: PLOT.width,
    height: PLOT.height,
    fill: 'none',
    stroke: '#999999',
  });
  const message = element(
    'text',
    {
      class: 'no-data',
      x: PLOT.left + PLOT.width / 2,
      y: PLOT.top + PLOT.height / 2,
      'text-anchor': 'middle',
      'font-size': 18,
      fill: '#666666',
    },
    'no data',
  );
  return document(title, height, frame + message);
}

function axes(f: Frame): string {
  const bottom = PLOT.top + PLOT.height;
  const right = PLOT.left + PLOT.width;
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of f.y.ticks) {
    const y = f.py(t);
    grid.push(element('line', { x1: PLOT.left, y1: y, x2: right, y2: y }));
    labels.push(
      element(
        'text',
        { class: 'tick-y', x: PLOT.left - 8, y: y + 4, 'text-anchor': 'end' },
        t.toFixed(f.y.decimals),
      ),
    );
  }
  for (const t of f.x.ticks) {
    const x = f.px(t);
    grid.push(element('line', { x1: x, y1: PLOT.top, x2: x, y2: bottom }));
    labels.push(
      element(
        'text',
        { class: 'tick-x', x, y: bottom + 18, 'text-anchor': 'middle' },
        t.toFixed(f.x.decimals),
      ),
    );
  }
  const axisPath = `M${PLOT.left} ${PLOT.top}V${bottom}H${right}`;
  return [
    `<g class="grid" stroke="#e3e3e3" stroke-width="1">${grid.join('')}</g>`,
    element('path', { class: 'axis', d: axisPath, fill: 'none', stroke: '#333333', 'stroke-width': 1.2 }),
    `<g class="ticks" fill="#333333" font-size="11">${labels.join('')}</g>`,
    element(
      'text',
      { class: 'axis-label-x', x: PLOT.left + PLOT.width / 2, y: bottom + 42, 'text-anchor': 'middle' },
      X_LABEL,
    ),
    element(
      'text',
      {
        class: 'axis-label-y',
        x: 0,
        y: 0,
        transform: `translate(22 ${num(PLOT.top + PLOT.height / 2)}) rotate(-90)`,
        'text-anchor': 'middle',
      },
      Y_LABEL,
    ),
  ].join('');
}

/** A dashed line across the plot, under the series. */
function referenceLine(r: { label: string; ap: number }, f: Frame): string {
  const y = f.py(r.ap);
  return [
    `<g class="reference">`,
    element('title', {}, escapeXml(`${r.label}: mask AP ${r.ap.toFixed(3)}`)),
    element('line', {
      x1: PLOT.left,
      y1: y,
      x2: PLOT.left + PLOT.width,
      y2: y,
      stroke: '#555555',
      'stroke-width': 1.5,
      'stroke-dasharray': '6 4',
    }),
    '</g>',
  ].join('');
}

/**
 * The reference lines' labels at their left ends, where the curves (starting low, after the initial
 * labelling hours) rarely are; under the series, so a label never hides a point, with a white halo
 * against the grid. A label too close to the one before goes below its line instead.
 */
function referenceLabels(references: { label: string; ap: number }[], f: Frame): string {
  const labels = references.map((r, i) => {
    const y = f.py(r.ap);
    const crowded = references.slice(0, i).some((o) => Math.abs(f.py(o.ap) - y) < 14);
    return element(
      'text',
      {
        class: 'reference-label',
        x: PLOT.left + 6,
        y: crowded ? y + 14 : y - 5,
      },
      escapeXml(`${truncate(String(r.label ?? ''), 40)}: ${r.ap.toFixed(3)}`),
    );
  });
  return `<g font-size="11" fill="#444444" stroke="#ffffff" stroke-width="3" paint-order="stroke">${labels.join('')}</g>`;
}

function seriesGroup(s: Drawn, i: number, f: Frame): string {
  if (s.points.length === 0) return '';
  const line = element('polyline', {
    class: 'series-line',
    points: s.points.map((p) => `${num(f.px(p.hours))},${num(f.py(p.ap))}`).join(' '),
    fill: 'none',
    stroke: s.colour,
    'stroke-width': 2.2,
    'stroke-linejoin': 'round',
    'stroke-dasharray': s.dash,
  });
  const bars = s.points.flatMap((p) => errorBars(p, f));
  const markers = s.points.map((p) => marker(s, i, p, f));
  return [
    `<g class="series" data-series="${i}">`,
    element('title', {}, escapeXml(s.label)),
    bars.length > 0 ? `<g stroke="${s.colour}" stroke-width="1.4" fill="none">${bars.join('')}</g>` : '',
    line,
    markers.join(''),
    '</g>',
  ].join('');
}

/** Vertical bar for the AP spread, horizontal for the hours spread, each with end caps. */
function errorBars(p: CurvePoint, f: Frame): string[] {
  const x = f.px(p.hours);
  const y = f.py(p.ap);
  const cap = 4;
  const bars: string[] = [];
  if (p.apStd !== undefined) {
    const [top, bottom] = [f.py(p.ap + p.apStd), f.py(p.ap - p.apStd)];
    const d = `M${num(x)} ${num(top)}V${num(bottom)}M${num(x - cap)} ${num(top)}H${num(x + cap)}M${num(x - cap)} ${num(bottom)}H${num(x + cap)}`;
    bars.push(element('path', { class: 'error-bar error-bar-y', d }));
  }
  if (p.hoursStd !== undefined) {
    const [left, right] = [f.px(p.hours - p.hoursStd), f.px(p.hours + p.hoursStd)];
    const d = `M${num(left)} ${num(y)}H${num(right)}M${num(left)} ${num(y - cap)}V${num(y + cap)}M${num(right)} ${num(y - cap)}V${num(y + cap)}`;
    bars.push(element('path', { class: 'error-bar error-bar-x', d }));
  }
  return bars;
}

function marker(s: Drawn, i: number, p: CurvePoint, f: Frame): string {
  const x = f.px(p.hours);
  const y = f.py(p.ap);
  const label = String(Math.round(p.iteration));
  const radius = 7 + 2.5 * Math.max(0, label.length - 1);
  const spread = (v: number | undefined, d: number) => (v === undefined ? '' : ` ± ${v.toFixed(d)}`);
  const tip = `${s.label}, iteration ${label}: mask AP ${p.ap.toFixed(3)}${spread(p.apStd, 3)} at ${p.hours.toFixed(2)}${spread(p.hoursStd, 2)} h`;
  return [
    element('g', {
      class: 'point',
      'data-series': i,
      'data-iteration': label,
      'data-hours': String(p.hours),
      'data-ap': String(p.ap),
    }).replace('/>', '>'),
    element('title', {}, escapeXml(tip)),
    element('circle', {
      class: 'marker',
      cx: x,
      cy: y,
      r: radius,
      fill: s.colour,
      stroke: '#ffffff',
      'stroke-width': 1.5,
    }),
    element(
      'text',
      {
        class: 'marker-label',
        x,
        y: y + 3.5,
        'text-anchor': 'middle',
        'font-size': 10,
        'font-weight': 'bold',
        fill: DARK.has(s.colour) ? '#ffffff' : '#000000',
      },
      label,
    ),
    '</g>',
  ].join('');
}

function legendHeight(drawn: Drawn[], references: unknown[]): number {
  return 28 + (drawn.length + references.length) * LEGEND.row;
}

function legend(drawn: Drawn[], references: { label: string; ap: number }[]): string {
  const x = PLOT.left + PLOT.width + LEGEND.gap;
  const rows: string[] = [];
  let y = PLOT.top + 8;
  for (const s of drawn) {
    const text = truncate(s.label, LEGEND.maxChars) + (s.points.length === 0 ? ' (no data)' : '');
    rows.push(
      legendRow(x, y, s.label, text, {
        stroke: s.colour,
        'stroke-dasharray': s.dash,
        marker: s.colour,
      }),
    );
    y += LEGEND.row;
  }
  for (const r of references) {
    const label = String(r.label ?? '');
    rows.push(
      legendRow(x, y, label, truncate(label, LEGEND.maxChars), {
        stroke: '#555555',
        'stroke-dasharray': '6 4',
      }),
    );
    y += LEGEND.row;
  }
  const width = Math.min(
    LEGEND.width - 8,
    Math.max(
      80,
      ...[...drawn, ...references].map(
        (s) => 40 + textWidth(truncate(String(s.label ?? ''), LEGEND.maxChars + 10), 12),
      ),
    ),
  );
  const box = element('rect', {
    x: x - 8,
    y: PLOT.top - 6,
    width,
    height: y - PLOT.top + 4,
    fill: '#ffffff',
    stroke: '#cccccc',
    rx: 4,
  });
  return `<g class="legend">${box}${rows.join('')}</g>`;
}

function legendRow(
  x: number,
  y: number,
  full: string,
  text: string,
  style: { stroke: string; 'stroke-dasharray'?: string; marker?: string },
): string {
  const swatch = element('line', {
    x1: x,
    y1: y,
    x2: x + 26,
    y2: y,
    stroke: style.stroke,
    'stroke-width': 2.2,
    'stroke-dasharray': style['stroke-dasharray'],
  });
  const dot = style.marker ? element('circle', { cx: x + 13, cy: y, r: 4, fill: style.marker }) : '';
  return [
    '<g class="legend-entry">',
    element('title', {}, escapeXml(full)),
    swatch,
    dot,
    element('text', { x: x + 34, y: y + 4, fill: '#222222' }, escapeXml(text)),
    '</g>',
  ].join('');
}
