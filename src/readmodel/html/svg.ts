/**
 * Inline SVG charts for the HTML report, drawn by our code (no library, no network): a time chart
 * (a value line over a step band, with a hard range, a target band, intervals and markers), a
 * forest plot of relative effects with their intervals, a predicted-against-measured scatter and a
 * time line with lanes. Every data mark carries a <title> (the hover text) and data-* attributes.
 */

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const n = (v: number) => String(Math.round(v * 10) / 10);
const title = (t: string) => `<title>${esc(t)}</title>`;

type Attrs = Record<string, string | number | null | undefined>;
/** One element: attribute values escaped, numbers (coordinates) rounded to 0.1; pass data values as strings. */
export function el(tag: string, attrs: Attrs, content = ''): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : esc(v)}"`)
    .join('');
  return `<${tag}${a}>${content}</${tag}>`;
}

/** Round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TIME_STEPS = [10_000, 30_000, MIN, 2 * MIN, 5 * MIN, 15 * MIN, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];

/** UTC time ticks: at most `max`, on round minutes, hours or days. */
export function timeTicks(x0: number, x1: number, max = 8): Array<{ at: number; label: string }> {
  const step = TIME_STEPS.find((s) => (x1 - x0) / s <= max) ?? 30 * DAY;
  const out: Array<{ at: number; label: string }> = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
    const iso = new Date(t).toISOString();
    out.push({
      at: t,
      label: step >= DAY ? iso.slice(5, 10) : step < MIN ? iso.slice(11, 19) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`,
    });
  }
  return out;
}

/** Padded [lo, hi] of the finite values (a flat series gets a band around it). */
export function extent(values: number[], pad = 0.08): [number, number] {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return [0, 1];
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (hi === lo) [lo, hi] = [lo - Math.max(Math.abs(lo) * 0.1, 0.01), hi + Math.max(Math.abs(hi) * 0.1, 0.01)];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

interface Frame {
  w: number;
  h: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: [number, number];
  y: [number, number];
}

const sx = (f: Frame, v: number) => f.left + ((v - f.x[0]) / (f.x[1] - f.x[0] || 1)) * (f.w - f.left - f.right);
const sy = (f: Frame, v: number) => f.h - f.bottom - ((v - f.y[0]) / (f.y[1] - f.y[0] || 1)) * (f.h - f.top - f.bottom);
const clampY = (f: Frame, v: number) => Math.min(f.y[1], Math.max(f.y[0], v));

function open(id: string, f: Frame, label: string): string {
  const attrs = {
    class: 'chart',
    'data-chart': id,
    viewBox: `0 0 ${f.w} ${f.h}`,
    width: f.w,
    height: f.h,
    role: 'img',
    'aria-label': label,
  };
  return el('svg', attrs).slice(0, -'</svg>'.length);
}

function yAxis(f: Frame, fmt: (v: number) => string): string {
  return niceTicks(f.y[0], f.y[1])
    .map((v) => {
      const y = sy(f, v);
      return (
        el('line', { class: 'grid', x1: f.left, x2: f.w - f.right, y1: y, y2: y }) +
        el('text', { class: 'tick', x: f.left - 6, y, dy: '0.32em', 'text-anchor': 'end' }, esc(fmt(v)))
      );
    })
    .join('');
}

function xTimeAxis(f: Frame): string {
  const y = f.h - f.bottom;
  return (
    el('line', { class: 'axis', x1: f.left, x2: f.w - f.right, y1: y, y2: y }) +
    timeTicks(f.x[0], f.x[1])
      .map((t) => el('text', { class: 'tick', x: sx(f, t.at), y: y + 16, 'text-anchor': 'middle' }, esc(t.label)))
      .join('')
  );
}

export interface TimeChart {
  id: string;
  label: string;
  x: [number, number];
  yFormat?: (v: number) => string;
  /** Hard range: dashed lines. */
  hard?: [number, number];
  /** Step band (sliding bounds): each range holds until the next one. */
  band?: Array<{ at: number; min: number; max: number; title: string }>;
  /** Target band; a null end is open. */
  target?: [number | null, number | null];
  line?: Array<{ at: number; value: number; title: string; cls?: string }>;
  /** Draw the line as steps (a value holds until it changes). */
  step?: boolean;
  whiskers?: Array<{ at: number; lo: number; hi: number }>;
  markers?: Array<{ at: number; value: number; cls: string; title: string }>;
}

export function timeChart(c: TimeChart): string {
  const ys = [
    ...(c.hard ?? []),
    ...(c.band ?? []).flatMap((b) => [b.min, b.max]),
    ...(c.target ?? []).flatMap((v) => (v === null ? [] : [v])),
    ...(c.line ?? []).map((p) => p.value),
    ...(c.whiskers ?? []).flatMap((w) => [w.lo, w.hi]),
    ...(c.markers ?? []).map((m) => m.value),
  ];
  const f: Frame = { w: 760, h: 210, left: 60, right: 14, top: 10, bottom: 26, x: c.x, y: extent(ys) };
  const fmt = c.yFormat ?? ((v: number) => String(v));
  const width = f.w - f.left - f.right;
  const parts = [open(c.id, f, c.label), yAxis(f, fmt)];
  if (c.target) {
    const [lo, hi] = [c.target[0] ?? f.y[0], c.target[1] ?? f.y[1]];
    const y = sy(f, clampY(f, hi));
    const band = `target band [${c.target[0] ?? '-∞'}, ${c.target[1] ?? '∞'}]`;
    parts.push(el('rect', { class: 'target', x: f.left, y, width, height: sy(f, clampY(f, lo)) - y }, title(band)));
  }
  const bands = c.band ?? [];
  bands.forEach((b, i) => {
    const x0 = sx(f, Math.max(b.at, f.x[0]));
    const x1 = sx(f, i + 1 < bands.length ? bands[i + 1].at : f.x[1]);
    if (x1 - x0 <= 0 && i + 1 < bands.length) return;
    const y = sy(f, b.max);
    const attrs = { class: 'band', 'data-min': String(b.min), 'data-max': String(b.max), x: x0, y, width: Math.max(x1 - x0, 1.5) };
    parts.push(el('rect', { ...attrs, height: sy(f, b.min) - y }, title(b.title)));
  });
  for (const [i, v] of (c.hard ?? []).entries()) {
    const y = sy(f, v);
    parts.push(
      el('line', { class: 'hard', x1: f.left, x2: f.w - f.right, y1: y, y2: y }),
      el(
        'text',
        { class: 'hard-label', x: f.w - f.right - 4, y, dy: i === 0 ? '-0.35em' : '1em', 'text-anchor': 'end' },
        esc(`hard ${i === 0 ? 'min' : 'max'} ${fmt(v)}`),
      ),
    );
  }
  for (const w of c.whiskers ?? [])
    parts.push(el('line', { class: 'whisker', x1: sx(f, w.at), x2: sx(f, w.at), y1: sy(f, w.hi), y2: sy(f, w.lo) }));
  const line = [...(c.line ?? [])].sort((a, b) => a.at - b.at);
  if (line.length) {
    const d = line
      .map((p, i) => {
        const [x, y] = [n(sx(f, p.at)), n(sy(f, p.value))];
        return i === 0 ? `M${x},${y}` : c.step ? `H${x}V${y}` : `L${x},${y}`;
      })
      .join('');
    parts.push(el('path', { class: 'series', d }));
    for (const p of line) {
      const attrs = { class: `pt ${p.cls ?? 'level'}`, 'data-value': String(p.value), cx: sx(f, p.at), cy: sy(f, p.value), r: 3.5 };
      parts.push(el('circle', attrs, title(p.title)));
    }
  }
  for (const m of c.markers ?? []) {
    const [x, y] = [sx(f, m.at), sy(f, m.value)];
    const d = `M${n(x - 5)},${n(y - 5)}L${n(x + 5)},${n(y + 5)}M${n(x - 5)},${n(y + 5)}L${n(x + 5)},${n(y - 5)}`;
    parts.push(el('path', { class: `marker ${m.cls}`, 'data-value': String(m.value), d }, title(m.title)));
  }
  parts.push(xTimeAxis(f), '</svg>');
  return parts.join('');
}

export interface ForestRow {
  label: string;
  est: number;
  ci: [number | null, number | null];
  cls: string;
  predicted: number | null;
  title: string;
}

const pctTick = (v: number) => `${Math.round(v * 1000) / 10}%`;
const finite = (vs: Array<number | null>) => vs.filter((v): v is number => v !== null && Number.isFinite(v));

/** Relative effects with their intervals, one row per KPI; a diamond marks the predicted effect. */
export function forestChart(id: string, label: string, rows: ForestRow[]): string {
  const m = Math.max(0.01, ...finite(rows.flatMap((r) => [r.est, r.ci[0], r.ci[1], r.predicted])).map(Math.abs)) * 1.15;
  const f: Frame = { w: 640, h: 34 + rows.length * 24, left: 260, right: 16, top: 6, bottom: 26, x: [-m, m], y: [0, rows.length] };
  const parts = [open(id, f, label)];
  for (const t of niceTicks(-m, m, 6)) {
    const x = sx(f, t);
    parts.push(
      el('line', { class: t === 0 ? 'zero' : 'grid', x1: x, x2: x, y1: f.top, y2: f.h - f.bottom }),
      el('text', { class: 'tick', x, y: f.h - f.bottom + 16, 'text-anchor': 'middle' }, pctTick(t)),
    );
  }
  rows.forEach((r, i) => {
    const y = f.top + i * 24 + 14;
    parts.push(el('text', { class: 'row-label', x: f.left - 8, y, dy: '0.32em', 'text-anchor': 'end' }, esc(r.label)));
    const open = r.ci[0] === null || r.ci[1] === null ? ' open' : '';
    parts.push(el('line', { class: `ci ${r.cls}${open}`, x1: sx(f, r.ci[0] ?? -m), x2: sx(f, r.ci[1] ?? m), y1: y, y2: y }));
    if (r.predicted !== null) {
      const d = `M${n(sx(f, r.predicted))},${n(y - 6)}l5,6l-5,6l-5,-6z`;
      parts.push(el('path', { class: 'pred', 'data-value': String(r.predicted), d }, title(`predicted ${pctTick(r.predicted)}`)));
    }
    if (Number.isFinite(r.est))
      parts.push(el('circle', { class: `est ${r.cls}`, 'data-value': String(r.est), cx: sx(f, r.est), cy: y, r: 4.5 }, title(r.title)));
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface ScatterPoint {
  x: number;
  y: number;
  ci: [number | null, number | null];
  cls: string;
  title: string;
}

/** Predicted (x) against measured (y) relative effects with the measured intervals; the diagonal is a perfect prediction. */
export function scatterChart(id: string, label: string, points: ScatterPoint[]): string {
  const m = Math.max(0.01, ...finite(points.flatMap((p) => [p.x, p.y, p.ci[0], p.ci[1]])).map(Math.abs)) * 1.1;
  const f: Frame = { w: 420, h: 380, left: 60, right: 14, top: 10, bottom: 40, x: [-m, m], y: [-m, m] };
  const parts = [open(id, f, label), yAxis(f, pctTick)];
  for (const t of niceTicks(-m, m))
    parts.push(el('text', { class: 'tick', x: sx(f, t), y: f.h - f.bottom + 16, 'text-anchor': 'middle' }, pctTick(t)));
  const [cx, cy] = [(f.left + f.w - f.right) / 2, (f.top + f.h - f.bottom) / 2];
  parts.push(
    el('line', { class: 'diag', x1: sx(f, -m), y1: sy(f, -m), x2: sx(f, m), y2: sy(f, m) }),
    el('text', { class: 'axis-label', x: cx, y: f.h - 6, 'text-anchor': 'middle' }, 'predicted Δ'),
    el('text', { class: 'axis-label', transform: `translate(14 ${n(cy)}) rotate(-90)`, 'text-anchor': 'middle' }, 'measured Δ'),
  );
  for (const p of points) {
    const x = sx(f, p.x);
    parts.push(
      el('line', { class: 'whisker', x1: x, x2: x, y1: sy(f, clampY(f, p.ci[1] ?? m)), y2: sy(f, clampY(f, p.ci[0] ?? -m)) }),
      el('circle', { class: `est ${p.cls}`, 'data-x': String(p.x), 'data-y': String(p.y), cx: x, cy: sy(f, p.y), r: 4.5 }, title(p.title)),
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface LaneEvent {
  at: number;
  lane: string;
  cls: string;
  title: string;
}

export interface LaneSpan {
  from: number;
  to: number;
  lane: string;
  title: string;
}

/** One lane per kind of event; spans (a pause until its resume) as bars, events as dots. */
export function timelineChart(
  id: string,
  label: string,
  x: [number, number],
  lanes: string[],
  events: LaneEvent[],
  spans: LaneSpan[],
): string {
  const f: Frame = { w: 760, h: 40 + lanes.length * 30, left: 90, right: 14, top: 8, bottom: 26, x, y: [0, lanes.length] };
  const parts = [open(id, f, label)];
  const laneY = (lane: string) => f.top + lanes.indexOf(lane) * 30 + 15;
  for (const lane of lanes) {
    const y = laneY(lane);
    parts.push(
      el('line', { class: 'grid', x1: f.left, x2: f.w - f.right, y1: y, y2: y }),
      el('text', { class: 'row-label', x: f.left - 8, y, dy: '0.32em', 'text-anchor': 'end' }, esc(lane)),
    );
  }
  for (const s of spans) {
    const [x0, x1] = [sx(f, Math.max(s.from, x[0])), sx(f, Math.min(s.to, x[1]))];
    parts.push(el('rect', { class: 'span', x: x0, y: laneY(s.lane) - 7, width: Math.max(x1 - x0, 2), height: 14 }, title(s.title)));
  }
  for (const e of events)
    parts.push(el('circle', { class: `event ${e.cls}`, 'data-lane': e.lane, cx: sx(f, e.at), cy: laneY(e.lane), r: 5 }, title(e.title)));
  parts.push(xTimeAxis(f), '</svg>');
  return parts.join('');
}
