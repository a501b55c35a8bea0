/** Tiny SVG chart generators (no dependencies): grouped/stacked bar charts and line charts. */

const esc = (text: string): string => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

const fmt = (value: number): string => {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 1) return String(Number(value.toPrecision(3)));
  return value.toPrecision(2);
};

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exp >= max) return step * exp;
  return 10 * exp;
}

export interface BarSeries {
  name: string;
  values: number[];
}

export interface BarChartOptions {
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  stacked?: boolean;
  /** Horizontal dashed lines, e.g. targets. */
  lines?: { value: number; label: string }[];
  width?: number;
  height?: number;
}

export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 380;
  const margin = { top: 48, right: 20, bottom: 70, left: 70 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const totals = options.categories.map((_, i) =>
    options.stacked ? options.series.reduce((s, series) => s + (series.values[i] ?? 0), 0) : Math.max(...options.series.map((series) => series.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(...totals, ...(options.lines ?? []).map((l) => l.value)));
  const y = (v: number): number => margin.top + plotH - (v / max) * plotH;
  const band = plotW / options.categories.length;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(options.title)}</text>`);
  for (let t = 0; t <= 5; t++) {
    const v = (max * t) / 5;
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`);
  }
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(options.yLabel)}</text>`);
  options.categories.forEach((category, i) => {
    const x0 = margin.left + i * band;
    if (options.stacked) {
      let base = 0;
      const barW = band * 0.6;
      options.series.forEach((series, s) => {
        const v = series.values[i] ?? 0;
        if (v > 0) parts.push(`<rect x="${x0 + band * 0.2}" y="${y(base + v)}" width="${barW}" height="${y(base) - y(base + v)}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${series.name}: ${fmt(v)}`)}</title></rect>`);
        base += v;
      });
      parts.push(`<text x="${x0 + band / 2}" y="${y(base) - 4}" text-anchor="middle" font-size="10">${fmt(base)}</text>`);
    } else {
      const barW = (band * 0.8) / options.series.length;
      options.series.forEach((series, s) => {
        const v = series.values[i] ?? 0;
        const x = x0 + band * 0.1 + s * barW;
        parts.push(`<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${margin.top + plotH - y(v)}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${series.name}: ${fmt(v)}`)}</title></rect>`);
        parts.push(`<text x="${x + barW / 2 - 1}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${fmt(v)}</text>`);
      });
    }
    parts.push(`<text x="${x0 + band / 2}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="11">${esc(category)}</text>`);
  });
  for (const line of options.lines ?? []) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(line.value)}" y2="${y(line.value)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - margin.right - 4}" y="${y(line.value) - 4}" text-anchor="end" font-size="11" fill="#c00">${esc(line.label)}</text>`);
  }
  parts.push(legend(options.series.map((s) => s.name), margin.left, height - 24, width - margin.left - margin.right));
  parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`);
  return wrap(width, height, parts);
}

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 400;
  const margin = { top: 48, right: 24, bottom: 80, left: 80 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = options.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y).filter((v) => v > 0);
  const tx = (v: number): number => (options.logX ? Math.log10(v) : v);
  const ty = (v: number): number => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const xMin = options.logX ? Math.floor(Math.log10(Math.min(...xs))) : 0;
  const xMax = options.logX ? Math.ceil(Math.log10(Math.max(...xs))) : niceMax(Math.max(...xs));
  const yMin = options.logY ? Math.floor(Math.log10(Math.min(...ys))) : 0;
  const yMax = options.logY ? Math.ceil(Math.log10(Math.max(...ys))) : niceMax(Math.max(...ys));
  const X = (v: number): number => margin.left + ((tx(v) - xMin) / (xMax - xMin || 1)) * plotW;
  const Y = (v: number): number => margin.top + plotH - ((ty(v) - yMin) / (yMax - yMin || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(options.title)}</text>`);
  const yTicks = options.logY ? range(yMin, yMax).map((e) => 10 ** e) : range(0, 5).map((t) => (yMax * t) / 5);
  for (const v of yTicks) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11">${options.logY ? `$${fmt(v)}` : fmt(v)}</text>`);
  }
  const xTicks = options.logX ? range(xMin, xMax).map((e) => 10 ** e) : range(0, 5).map((t) => (xMax * t) / 5);
  for (const v of xTicks) {
    parts.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${X(v)}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 36}" text-anchor="middle" font-size="12">${esc(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(options.yLabel)}</text>`);
  options.series.forEach((series, s) => {
    const color = PALETTE[s % PALETTE.length];
    const points = series.points.filter((p) => !options.logY || p.y > 0);
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="7 5"' : ''}/>`);
    for (const p of points) parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${series.name}: x=${fmt(p.x)} y=${p.y.toPrecision(3)}`)}</title></circle>`);
  });
  parts.push(legend(options.series.map((s) => s.name), margin.left, height - 22, plotW));
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  return wrap(width, height, parts);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Legend entries flow left to right and wrap; the last row sits at `y`. */
function legend(names: string[], x: number, y: number, width: number): string {
  const rows: { name: string; index: number; offset: number }[][] = [[]];
  let offset = 0;
  names.forEach((name, index) => {
    const itemWidth = 24 + name.length * 6.2;
    if (offset > 0 && offset + itemWidth > width) {
      rows.push([]);
      offset = 0;
    }
    rows.at(-1)!.push({ name, index, offset });
    offset += itemWidth;
  });
  return rows
    .flatMap((row, r) =>
      row.map((item) => {
        const rowY = y - 16 * (rows.length - 1 - r);
        return `<rect x="${x + item.offset}" y="${rowY - 10}" width="12" height="12" fill="${PALETTE[item.index % PALETTE.length]}"/><text x="${x + item.offset + 16}" y="${rowY}" font-size="11">${esc(item.name)}</text>`;
      }),
    )
    .join('');
}

function wrap(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}
