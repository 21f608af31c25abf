/** The report's sections: parameters, KPI trends, canaries, the time line and the cycles, each a chart and its numbers. */
import { deltaWithCI, gateText, pct, pValue } from '../format';
import type { CanaryRow, HtmlReportData, ParameterSeries, TimelineEvent } from '../report-data';
import { el, esc, forestChart, scatterChart, timeChart, timelineChart, type LaneSpan } from './svg';

export const t = (iso: string) => Date.parse(iso);
export const num = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : esc(v ?? '-');
export const when = (iso: string | null) => (iso ? esc(iso.replace('T', ' ').slice(0, 19)) : '-');
const code = (s: string) => `<code>${esc(s)}</code>`;
const figure = (caption: string, svg: string) => `<figure><figcaption>${caption}</figcaption>${svg}</figure>`;
const section = (id: string, heading: string, ...body: string[]) => `<section id="${id}"><h2>${heading}</h2>${body.join('\n')}</section>`;
const details = (summary: string, text: string | null) => (text ? `<details><summary>${summary}</summary>${esc(text)}</details>` : '');

export function table(head: string[], rows: string[][], cls = ''): string {
  if (rows.length === 0) return '<p class="none">(none)</p>';
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

export function currentParameters(d: HtmlReportData): string {
  return table(
    ['parameter', 'live value', 'sliding bounds', 'hard range', 'range changes in the period'],
    d.parameters.map((p) => {
      const now = p.bands.at(-1)!;
      const changes = p.bands.filter((b) => !['current', 'before'].includes(b.kind));
      return [
        esc(p.parameter),
        num(d.card.values[p.parameter]),
        `[${num(now.min)}, ${num(now.max)}]`,
        `[${num(p.hardMin)}, ${num(p.hardMax)}]`,
        changes.map((b) => `${when(b.at)} ${esc(b.kind)} → [${num(b.min)}, ${num(b.max)}]: ${esc(b.rationale)}`).join('<br>') || '-',
      ];
    }),
  );
}

function parameterChart(p: ParameterSeries, x: [number, number]): string {
  const chart = timeChart({
    id: `param-${p.parameter}`,
    label: `${p.parameter} inside its sliding bounds and hard range`,
    x,
    hard: [p.hardMin, p.hardMax],
    band: p.bands.map((b) => ({ at: t(b.at), min: b.min, max: b.max, title: `[${b.min}, ${b.max}] ${b.kind}: ${b.rationale}` })),
    line: p.values.map((v) => ({
      at: t(v.at),
      value: v.value,
      cls: v.source,
      title: `${when(v.at)} ${p.parameter} = ${v.value} (${v.source})`,
    })),
    step: true,
    markers: p.rolledBack.map((r) => ({ at: t(r.at), value: r.value, cls: 'rolled-back', title: `${r.value} rolled back (${r.cycleId})` })),
  });
  return figure(esc(p.parameter), chart);
}

const legend = (...items: string[]) => `<p class="legend">${items.join(' ')}</p>`;
const key = (cls: string, text: string, mark = '') => `<span class="k ${cls}">${mark}</span>${text}`;

export function parametersSection(d: HtmlReportData, x: [number, number]): string {
  return section(
    'parameters',
    'Parameters',
    legend(
      key('band', 'sliding bounds'),
      key('hard', 'hard range'),
      key('series', 'live value'),
      key('promoted', 'promoted'),
      key('rolled-back', 'canaried and rolled back', '✕'),
    ),
    ...d.parameters.map((p) => parameterChart(p, x)),
    currentParameters(d),
  );
}

export function kpiSection(d: HtmlReportData, x: [number, number]): string {
  const charts = d.kpis.map((k) => {
    const chart = timeChart({
      id: `kpi-${k.kpi}`,
      label: `${k.kpi} 24 h level`,
      x,
      target: k.targetMin === null && k.targetMax === null ? undefined : [k.targetMin, k.targetMax],
      line: k.points.map((p) => ({ at: t(p.at), value: p.mean, title: `${when(p.at)} ${k.kpi} ${num(p.mean)} (n=${p.n}, ${p.position})` })),
      whiskers: k.points.flatMap((p) => (p.ci ? [{ at: t(p.at), lo: p.ci[0], hi: p.ci[1] }] : [])),
    });
    return figure(`${esc(k.kpi)} <span class="sub">(${esc(k.role)}, ${esc(k.goal)})</span>`, chart);
  });
  const rows = d.kpis.flatMap((k) =>
    k.points.map((p) => {
      const ci = p.ci ? `[${num(p.ci[0])}, ${num(p.ci[1])}]` : '-';
      return [when(p.at), esc(k.kpi), num(p.mean), ci, String(p.n), esc(p.position), esc(p.cycleId)];
    }),
  );
  return section(
    'kpis',
    'KPI trends',
    legend('the 24 h level each cycle measured, with its interval;', key('target', 'target band')),
    ...charts,
    table(['time', 'KPI', '24 h level', 'interval', 'n', 'against target', 'cycle'], rows),
  );
}

function canaryBlock(c: CanaryRow): string {
  const verdict = c.decision ? `${esc(c.decision)} by rule ${code(c.rule ?? '-')}` : 'no verdict yet';
  const by = c.decidedBy ? `, decided by ${esc(c.decidedBy)}` : '';
  const level = c.confidenceLevel === null ? '' : ` · ${pct(c.confidenceLevel, 0)} intervals`;
  const error = c.predictionError === null ? '-' : pct(c.predictionError);
  const forecast = c.forecastPass === null ? '' : ` · forecast P(pass) ${pct(c.forecastPass, 0)}`;
  const rows = c.kpis.map((k) => ({
    label: `${k.kpi} (${k.role})`,
    est: k.relDiff,
    ci: k.relCI,
    cls: k.classification,
    predicted: k.predicted,
    title: `${k.kpi}: Δ ${deltaWithCI(k.relDiff, k.relCI)} → ${k.classification}`,
  }));
  const numbers = c.kpis.map((k) => [
    esc(k.kpi),
    esc(k.role),
    `${num(k.control.mean)} (n=${k.control.n})`,
    `${num(k.canary.mean)} (n=${k.canary.n})`,
    esc(deltaWithCI(k.relDiff, k.relCI)),
    k.predicted === null ? '-' : pct(k.predicted, 2),
    pValue(k.pValue),
    pValue(k.adjustedP),
    el('span', { class: `cls ${k.classification}` }, esc(k.classification)),
  ]);
  return [
    `<div class="canary"><h3>${when(c.startedAt)} · ${esc(c.status)} · ${verdict}${by}</h3>`,
    `<p class="sub">${esc(c.canaryId)} · changes: ${esc(c.changes || '-')} · prediction error ${error}${forecast}${level}</p>`,
    details('the judge’s reason', c.reason),
    c.varianceReduction ? `<p class="sub">variance reduction: ${esc(c.varianceReduction)}</p>` : '',
    rows.length ? forestChart(`canary-${c.canaryId}`, `verdict of canary ${c.canaryId} per KPI`, rows) : '',
    table(['KPI', 'role', 'control', 'canary', 'Δ [CI]', 'predicted Δ', 'p', 'adj p', 'class'], numbers),
    '</div>',
  ].join('\n');
}

export function canarySection(d: HtmlReportData): string {
  const points = d.canaries.flatMap((c) =>
    c.kpis
      .filter((k) => k.predicted !== null && Number.isFinite(k.relDiff))
      .map((k) => ({
        x: k.predicted!,
        y: k.relDiff,
        ci: k.relCI,
        cls: k.classification,
        title: `${c.canaryId} ${k.kpi}: predicted ${pct(k.predicted, 2)}, measured ${deltaWithCI(k.relDiff, k.relCI)}`,
      })),
  );
  const classes = ['Improved', 'NonInferior', 'Inconclusive', 'Degraded', 'NoData'].map((k) => el('span', { class: `cls ${k}` }, k));
  return section(
    'canaries',
    'Canaries',
    legend('relative Δ canary vs control per KPI with its interval; ◆ the Δ the change predicted.', ...classes),
    d.canaries.length
      ? `<p class="sub" data-field="gate">${esc(gateText(d.summary.gate))}</p>`
      : '<p class="none">(no canary in the period)</p>',
    points.length
      ? figure(
          'predicted against measured effect (every KPI of every canary)',
          scatterChart('predicted-vs-measured', 'predicted against measured', points),
        )
      : '',
    ...d.canaries.map(canaryBlock),
  );
}

const LANES = ['rollback', 'pause', 'manual', 'promotion'];
const STARTS_PAUSE = new Set(['pause', 'emergency_pause', 'governor_pause']);

/** Pauses as spans: from a pause to the next resume (or to the end of the period). */
function pauseSpans(events: TimelineEvent[], end: number): LaneSpan[] {
  const spans: LaneSpan[] = [];
  let open: TimelineEvent | null = null;
  for (const e of events) {
    if (STARTS_PAUSE.has(e.kind) && !open) open = e;
    else if (e.kind === 'resume' && open) {
      spans.push({ from: t(open.at), to: t(e.at), lane: 'pause', title: `${open.summary} → ${e.summary}` });
      open = null;
    }
  }
  if (open) spans.push({ from: t(open.at), to: end, lane: 'pause', title: `${open.summary} (still paused at the end of the period)` });
  return spans;
}

export function timelineSection(d: HtmlReportData, x: [number, number]): string {
  const events = d.events.map((e) => ({ at: t(e.at), lane: e.category, cls: e.kind, title: `${when(e.at)} ${e.kind}: ${e.summary}` }));
  return section(
    'timeline',
    'Time line',
    timelineChart('timeline', 'rollbacks, pauses and manual actions', x, LANES, events, pauseSpans(d.events, x[1])),
    table(
      ['time', 'lane', 'what', 'summary'],
      d.events.map((e) => [when(e.at), esc(e.category), code(e.kind), esc(e.summary)]),
    ),
  );
}

export function cycleSection(d: HtmlReportData): string {
  const rows = [...d.cycles].reverse().map((c) => [
    when(c.startedAt),
    esc(c.trigger),
    el('span', { class: `outcome ${c.outcome}` }, esc(c.outcome)),
    esc(c.proposer ?? '-'),
    c.changes
      .map((x) => {
        const refused = x.approved === false ? ', refused' : '';
        return `${esc(x.parameter)} ${num(x.oldValue)} → ${num(x.newValue)} (${esc(x.changeType)}, ${code(x.rule)}${refused})`;
      })
      .join('<br>') || '-',
    c.refusals.map((r) => `${code(r.rule)} ${esc(r.parameter)}: ${esc(r.message)}`).join('<br>') || '-',
    esc(c.golden ?? '-'),
    c.verdictRule ? code(c.verdictRule) : '-',
    esc(c.decidedBy ?? '-'),
    details('message', c.message),
  ]);
  const head = [
    'started',
    'trigger',
    'outcome',
    'proposer',
    'changes (type, rule)',
    'bounds refusals',
    'golden',
    'canary rule',
    'decided by',
    '',
  ];
  return section('cycles', 'Cycles and the rule behind each decision', table(head, rows, 'cycles'));
}
