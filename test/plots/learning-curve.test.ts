/**
 * The learning-curve picture: well-formed SVG whose elements map to the data (lines, numbered markers,
 * error bars, reference lines, legend), its edge cases, and the PNG sharp renders from it.
 */
import { execFileSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type CurveSeries, learningCurveSvg, svgToPng } from '../../src/plots/learning-curve.ts';
import { niceScale } from '../../src/plots/ticks.ts';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  // Text as written: tick labels stay "0.0", trailing spaces stay.
  parseTagValue: false,
  trimValues: false,
});

function parse(svg: string): Node {
  expect(XMLValidator.validate(svg)).toBe(true);
  return parser.parse(svg).svg as Node;
}

/** Every element called `name` anywhere under `node`, in document order per nesting. */
function all(node: unknown, name: string): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key.startsWith('@_')) continue;
        if (key === name) for (const c of [child].flat()) found.push(c as Node);
        visit(child);
      }
    }
  };
  visit(node);
  return found;
}

const hasClass = (n: Node, cls: string) =>
  String(n['@_class'] ?? '')
    .split(' ')
    .includes(cls);
const byClass = (svg: Node, name: string, cls: string) => all(svg, name).filter((n) => hasClass(n, cls));
const text = (n: unknown): string =>
  typeof n === 'object' && n !== null ? String((n as Node)['#text'] ?? '') : String(n);
const n = (v: unknown) => Number(v);

const oracle: CurveSeries = {
  label: 'oracle from 20%',
  points: [
    { iteration: 0, hours: 1, ap: 0.3, apStd: 0.02, hoursStd: 0.1 },
    { iteration: 1, hours: 1.2, ap: 0.38, apStd: 0.03, hoursStd: 0.1 },
    { iteration: 2, hours: 1.4, ap: 0.45, apStd: 0.01 },
    { iteration: 3, hours: 1.6, ap: 0.44, apStd: 0.02 },
  ],
};
const acceptAll: CurveSeries = {
  label: 'accept-all',
  points: [
    { iteration: 0, hours: 1, ap: 0.3 },
    { iteration: 1, hours: 1, ap: 0.31 },
    { iteration: 2, hours: 1, ap: 0.29 },
  ],
};
const supervised: CurveSeries = { label: 'fully supervised', points: [{ iteration: 0, hours: 5, ap: 0.5 }] };

describe('learningCurveSvg', () => {
  const svgText = learningCurveSvg([oracle, acceptAll, supervised], {
    title: 'Quick preset',
    reference: [{ label: 'fully supervised', ap: 0.5 }],
  });
  const svg = parse(svgText);

  it('draws one line per series, one numbered marker per point, and the error bars given', () => {
    expect(all(svg, 'polyline')).toHaveLength(3);
    const markers = byClass(svg, 'circle', 'marker');
    expect(markers).toHaveLength(8);
    expect(byClass(svg, 'path', 'error-bar-y')).toHaveLength(4);
    expect(byClass(svg, 'path', 'error-bar-x')).toHaveLength(2);
    const numbers = byClass(svg, 'text', 'marker-label').map(text);
    expect(numbers).toEqual(['0', '1', '2', '3', '0', '1', '2', '0']);
    const colours = all(svg, 'polyline').map((p) => p['@_stroke']);
    expect(new Set(colours).size).toBe(3);
    const title = byClass(svg, 'text', 'title').map(text);
    expect(title).toEqual(['Quick preset']);
  });

  it('places each point at its values: higher AP is higher up, more hours further right, linearly', () => {
    const points = all(svg, 'g').filter((g) => hasClass(g, 'point'));
    const at = points.map((g) => ({
      ap: n(g['@_data-ap']),
      hours: n(g['@_data-hours']),
      cx: n((g.circle as Node)['@_cx']),
      cy: n((g.circle as Node)['@_cy']),
    }));
    const highest = at.reduce((a, b) => (b.ap > a.ap ? b : a));
    expect(highest.cy).toBe(Math.min(...at.map((p) => p.cy)));
    const rightmost = at.reduce((a, b) => (b.hours > a.hours ? b : a));
    expect(rightmost.cx).toBe(Math.max(...at.map((p) => p.cx)));
    // A linear map from data to pixels: pixels per unit are the same between any two points.
    const slope = (a: (typeof at)[0], b: (typeof at)[0]) => (b.cy - a.cy) / (b.ap - a.ap);
    expect(slope(at[0], at[1])).toBeLessThan(0);
    expect(slope(at[0], at[1])).toBeCloseTo(slope(at[1], highest), 0);
    // The y axis starts at 0 and ends on the nice tick above the highest value (0.5 + nothing).
    const yTicks = byClass(svg, 'text', 'tick-y').map(text);
    expect(yTicks[0]).toBe('0.0');
    expect(yTicks.at(-1)).toBe('0.5');
    const xTicks = byClass(svg, 'text', 'tick-x').map(text);
    expect(xTicks[0]).toBe('0');
    expect(n(xTicks.at(-1))).toBeGreaterThanOrEqual(5);
    // The 0.5 tick, the 0.5 reference line and the supervised point share a height.
    const tickY = n(byClass(svg, 'text', 'tick-y').at(-1)?.['@_y']) - 4;
    const reference = all(svg, 'g').find((g) => hasClass(g, 'reference')) as Node;
    expect(n((reference.line as Node)['@_y1'])).toBeCloseTo(tickY, 1);
    expect(at.find((p) => p.hours === 5)?.cy).toBeCloseTo(tickY, 1);
  });

  it('draws the reference lines dashed and labelled, and lists every series and reference in the legend', () => {
    const reference = all(svg, 'g').filter((g) => hasClass(g, 'reference'));
    expect(reference).toHaveLength(1);
    expect((reference[0].line as Node)['@_stroke-dasharray']).toBeTruthy();
    expect(byClass(svg, 'text', 'reference-label').map(text)).toEqual(['fully supervised: 0.500']);
    const legend = all(svg, 'g').filter((g) => hasClass(g, 'legend-entry'));
    expect(legend.map((g) => text(g.text))).toEqual([
      'oracle from 20%',
      'accept-all',
      'fully supervised',
      'fully supervised',
    ]);
  });

  it('has axis labels', () => {
    expect(byClass(svg, 'text', 'axis-label-x').map(text)).toEqual(['Cumulative human annotation hours']);
    expect(byClass(svg, 'text', 'axis-label-y').map(text)).toEqual(['Mask AP']);
  });

  it('escapes labels and titles, and drops characters XML cannot hold', () => {
    const label = 'a <b> & "c" \u0001';
    const out = learningCurveSvg([{ label, points: [{ iteration: 0, hours: 1, ap: 0.2 }] }], {
      title: 'T <&>',
      reference: [{ label: '<ref>&', ap: 0.1 }],
    });
    expect(out).not.toContain('<b>');
    expect(out).not.toContain('<ref>');
    expect(out).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    const parsed = parse(out);
    const legend = all(parsed, 'g').filter((g) => hasClass(g, 'legend-entry'));
    expect(text(legend[0].text)).toBe('a <b> & "c" ');
    expect(text(legend[1].text)).toBe('<ref>&');
    expect(byClass(parsed, 'text', 'title').map(text)).toEqual(['T <&>']);
  });

  it('is the same bytes for the same input', () => {
    expect(learningCurveSvg([oracle, acceptAll, supervised], { title: 'Quick preset' })).toBe(
      learningCurveSvg(structuredClone([oracle, acceptAll, supervised]), { title: 'Quick preset' }),
    );
  });

  it('says "no data" for no series, or only empty ones', () => {
    for (const series of [[], [{ label: 'empty', points: [] }]]) {
      const out = learningCurveSvg(series);
      const parsed = parse(out);
      expect(byClass(parsed, 'text', 'no-data').map(text)).toEqual(['no data']);
      expect(all(parsed, 'polyline')).toHaveLength(0);
    }
  });

  it('draws a single point, and all-zero AP on a 0..1 axis', () => {
    const one = parse(learningCurveSvg([{ label: 'one', points: [{ iteration: 0, hours: 0, ap: 0 }] }]));
    expect(all(one, 'polyline')).toHaveLength(1);
    const markers = byClass(one, 'circle', 'marker');
    expect(markers).toHaveLength(1);
    const ticks = byClass(one, 'text', 'tick-y').map(text);
    expect([ticks[0], ticks.at(-1)]).toEqual(['0.0', '1.0']);
    const axisBottom = n(byClass(one, 'text', 'tick-y')[0]['@_y']) - 4;
    expect(n(markers[0]['@_cy'])).toBeCloseTo(axisBottom, 1);
  });

  it('never writes NaN, null, undefined or Infinity: non-finite points and spreads are left out', () => {
    const out = learningCurveSvg([
      {
        label: 'holes',
        points: [
          { iteration: 0, hours: 1, ap: 0.2, apStd: Number.NaN, hoursStd: Number.POSITIVE_INFINITY },
          { iteration: 1, hours: Number.NaN, ap: 0.3 },
          { iteration: 2, hours: 2, ap: null as unknown as number },
          { iteration: 3, hours: 3, ap: 0.4, apStd: undefined },
        ],
      },
    ]);
    expect(out).not.toMatch(/NaN|null|undefined|Infinity/);
    const parsed = parse(out);
    expect(byClass(parsed, 'circle', 'marker')).toHaveLength(2);
    expect(all(parsed, 'path').filter((p) => hasClass(p, 'error-bar'))).toHaveLength(0);
  });

  it('keeps series apart when the palette runs out: colour and dash pattern', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({
      label: `run ${i}`,
      points: [{ iteration: 0, hours: i, ap: i / 10 }],
    }));
    const lines = all(parse(learningCurveSvg(many)), 'polyline');
    const styles = lines.map((l) => `${l['@_stroke']} ${l['@_stroke-dasharray'] ?? ''}`);
    expect(new Set(styles).size).toBe(9);
    expect(new Set(lines.slice(0, 7).map((l) => l['@_stroke'])).size).toBe(7);
  });
});

describe('niceScale', () => {
  it('covers the range with round steps and exact labels', () => {
    expect(niceScale(0, 0.43)).toMatchObject({ min: 0, max: 0.5, ticks: [0, 0.1, 0.2, 0.3, 0.4, 0.5] });
    expect(niceScale(0, 0.43).decimals).toBe(1);
    expect(niceScale(0, 7.3, 6).ticks).toEqual([0, 2, 4, 6, 8]);
    expect(niceScale(0, 0.12)).toMatchObject({ max: 0.125, decimals: 3 });
    expect(niceScale(0, 0)).toMatchObject({ min: 0, max: 1 });
    expect(niceScale(0, Number.NaN)).toMatchObject({ min: 0, max: 1 });
  });
});

function hasFont(): boolean {
  try {
    return execFileSync('fc-list', { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

/** Pixels in a region whose channels are all below 100 (dark: text, axes), and that match a colour. */
async function region(png: Buffer, box: { left: number; top: number; width: number; height: number }) {
  const { data, info } = await sharp(png)
    .extract(box)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let dark = 0;
  let blue = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (r < 100 && g < 100 && b < 100) dark++;
    // #0072B2, the first series' colour, allowing for anti-aliasing.
    if (r < 40 && Math.abs(g - 0x72) < 30 && Math.abs(b - 0xb2) < 30) blue++;
  }
  return { dark, blue };
}

describe('svgToPng', () => {
  const svg = learningCurveSvg([oracle, acceptAll, supervised], {
    title: 'Quick preset',
    reference: [{ label: 'fully supervised', ap: 0.5 }],
  });
  const size = parse(svg);
  const [width, height] = [n(size['@_width']), n(size['@_height'])];

  it('renders a PNG at twice the SVG size that is not blank', async () => {
    const png = await svgToPng(svg);
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: width * 2, height: height * 2 });
    const stats = await sharp(png).stats();
    expect(stats.isOpaque).toBe(true);
    for (const channel of stats.channels.slice(0, 3)) expect(channel.stdev).toBeGreaterThan(5);
    // The lines render whatever fonts exist: the plot area holds the first series' blue.
    const plot = await region(png, { left: 144, top: 112, width: 1120, height: 720 });
    expect(plot.blue).toBeGreaterThan(200);
  });

  it.skipIf(!hasFont())(
    'renders text (a font is installed): the title area has dark glyph pixels',
    async () => {
      const titleArea = { left: 144, top: 24, width: 600, height: 50 };
      const withTitle = await region(await svgToPng(svg), titleArea);
      const without = await region(await svgToPng(learningCurveSvg([oracle], { title: '' })), titleArea);
      expect(without.dark).toBe(0);
      expect(withTitle.dark).toBeGreaterThan(500);
    },
  );

  it('renders the no-data picture', async () => {
    const png = await svgToPng(learningCurveSvg([]));
    expect((await sharp(png).metadata()).format).toBe('png');
    const stats = await sharp(png).stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(0);
  });
});
