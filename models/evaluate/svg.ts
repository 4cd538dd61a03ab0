/** Small inline-SVG line charts for the evaluation report: no scripts, no external files. */

export interface Line {
  readonly values: ArrayLike<number>;
  readonly color: string;
  readonly label: string;
  readonly width?: number;
}

export interface ChartOptions {
  readonly title: string;
  readonly x: ArrayLike<number>;
  readonly lines: readonly Line[];
  readonly formatX: (x: number) => string;
  readonly yRange?: readonly [number, number];
  /** Horizontal reference lines (a threshold). */
  readonly rules?: readonly { y: number; color: string; label: string }[];
  /** Shaded x ranges (labelled windows). */
  readonly bands?: readonly { from: number; to: number; color: string }[];
  /** Points marked on the first line (detections). */
  readonly markers?: readonly { at: number; color: string }[];
  readonly width?: number;
  readonly height?: number;
  /** Draw at most this many points per line (min and max per bucket, so spikes survive). */
  readonly maxPoints?: number;
}

const PAD = { left: 64, right: 16, top: 28, bottom: 30 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 1100;
  const height = o.height ?? 220;
  const n = o.x.length;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xMin = n ? o.x[0]! : 0;
  const xMax = n ? o.x[n - 1]! : 1;
  const [yMin, yMax] =
    o.yRange ??
    finiteRange(
      o.lines.map((l) => l.values),
      o.rules?.map((r) => r.y) ?? [],
    );
  const sx = (x: number) => PAD.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * plotW : plotW / 2);
  const sy = (y: number) => PAD.top + plotH - (yMax > yMin ? ((Math.max(yMin, Math.min(yMax, y)) - yMin) / (yMax - yMin)) * plotH : plotH / 2);
  const keep = downsample(
    o.lines.map((l) => l.values),
    n,
    o.maxPoints ?? 1500,
  );
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(o.title)}">`,
  ];
  parts.push(`<text x="${PAD.left}" y="18" class="title">${escapeXml(o.title)}</text>`);
  for (const band of o.bands ?? []) {
    const x0 = sx(band.from);
    parts.push(`<rect x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(1, sx(band.to) - x0).toFixed(1)}" height="${plotH}" fill="${band.color}"/>`);
  }
  for (const tick of ticks(yMin, yMax, 5)) {
    const y = sy(tick).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${y}" y2="${y}" class="grid"/><text x="${PAD.left - 6}" y="${y}" class="ylabel">${formatNumber(tick)}</text>`,
    );
  }
  for (let k = 0; k <= 5 && n > 0; k++) {
    const x = xMin + ((xMax - xMin) * k) / 5;
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${height - 10}" class="xlabel">${escapeXml(o.formatX(x))}</text>`);
  }
  for (const line of o.lines) {
    const d = keep.map((i, k) => `${k ? 'L' : 'M'}${sx(o.x[i]!).toFixed(1)},${sy(finiteOr(line.values[i]!, yMin)).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${line.color}" stroke-width="${line.width ?? 1.2}"/>`);
  }
  for (const rule of o.rules ?? []) {
    const y = sy(rule.y).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${y}" y2="${y}" stroke="${rule.color}" stroke-dasharray="6 4" stroke-width="1.5"/>`);
    parts.push(`<text x="${width - PAD.right - 4}" y="${(Number(y) - 4).toFixed(1)}" class="rule" fill="${rule.color}">${escapeXml(rule.label)}</text>`);
  }
  const first = o.lines[0];
  for (const marker of first ? (o.markers ?? []) : []) {
    parts.push(
      `<circle cx="${sx(o.x[marker.at]!).toFixed(1)}" cy="${sy(finiteOr(first!.values[marker.at]!, yMin)).toFixed(1)}" r="2.6" fill="${marker.color}"/>`,
    );
  }
  let legendX = PAD.left + 260;
  for (const line of o.lines) {
    parts.push(
      `<rect x="${legendX}" y="10" width="14" height="3" fill="${line.color}"/><text x="${legendX + 18}" y="15" class="legend">${escapeXml(line.label)}</text>`,
    );
    legendX += 30 + 7 * line.label.length;
  }
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" class="frame"/></svg>`);
  return parts.join('');
}

/** Row indices to draw: all of them when few, else the first, min, max and last of each bucket. */
export function downsample(series: readonly ArrayLike<number>[], n: number, maxPoints: number): number[] {
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const keep = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    keep.add(from).add(to - 1);
    for (const values of series) {
      let lo = from;
      let hi = from;
      for (let i = from; i < to; i++) {
        if (values[i]! < values[lo]!) lo = i;
        if (values[i]! > values[hi]!) hi = i;
      }
      keep.add(lo).add(hi);
    }
  }
  return [...keep].sort((a, b) => a - b);
}

function finiteRange(series: readonly ArrayLike<number>[], extra: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of series) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  for (const v of extra) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return Number(v.toPrecision(4)).toString();
}
