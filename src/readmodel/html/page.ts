/**
 * The operator report as one self-contained HTML page: inline CSS, inline SVG (./svg.ts), and a
 * few lines of inline script that only check the charts drew (data-charts-drawn on <html>). A
 * Content-Security-Policy forbids every fetch: the page works offline and leaks nothing.
 */
import { controlText, pct } from '../format';
import type { HtmlReportData } from '../report-data';
import { canarySection, currentParameters, cycleSection, kpiSection, parametersSection, t, timelineSection, when } from './sections';
import { esc } from './svg';
import { STYLE } from './style';

/** The x range: the period, started at the first data point when the history begins later. */
function xDomain(d: HtmlReportData): [number, number] {
  const to = t(d.to);
  const times = [
    ...d.cycles.map((c) => t(c.startedAt)),
    ...d.events.map((e) => t(e.at)),
    ...d.kpis.flatMap((k) => k.points.map((p) => t(p.at))),
    ...d.canaries.map((c) => t(c.startedAt)),
  ].filter(Number.isFinite);
  const first = Math.max(t(d.from), Math.min(to, ...times));
  const pad = Math.max((to - first) * 0.05, 60_000);
  return [Math.max(t(d.from), first - pad), to];
}

function header(d: HtmlReportData): string {
  const s = d.summary;
  const g = s.targets;
  const outcomes = Object.entries(s.byOutcome).map(([k, v]) => ` · ${esc(k)} ${v}`);
  const row = (term: string, field: string, value: string, cls = '') =>
    `<dt>${term}</dt><dd data-field="${field}" class="${cls}">${value}</dd>`;
  return [
    `<header><h1>VVTV autopilot · channel <span data-field="channel">${esc(d.channel)}</span></h1><dl>`,
    row('period', 'period', `last ${esc(d.days)} days: ${when(d.from)} → ${when(d.to)} UTC`),
    row(
      'card version',
      'card-version',
      `${esc(d.card.versionId ?? 'not in the history')} ` +
        `<span class="sub">sha256 ${esc(d.card.sha256.slice(0, 12))} · ${esc(d.card.path)}</span>`,
    ),
    row('governor', 'governor', esc(controlText(d.control)), d.control.pause ? 'paused' : ''),
    row('outcomes', 'outcomes', `${s.cycles} cycle(s)${outcomes.join('')}`),
    row(
      'figures',
      'figures',
      [
        `deployment success ${pct(s.deploymentSuccess)} (target &gt; ${pct(g.deploymentSuccessAbove, 0)})`,
        `rollback rate ${pct(s.rollbackRate)} (target &lt; ${pct(g.rollbackRateBelow, 0)})`,
        `prediction error p50 ${pct(s.predictionErrorP50)} over ${s.predictionErrorDays} day(s) ` +
          `(target &lt; ${pct(g.predictionErrorP50Below, 0)})`,
      ].join(' · '),
    ),
    '</dl></header>',
  ].join('\n');
}

export function renderHtmlReport(d: HtmlReportData): string {
  const x = xDomain(d);
  const empty = d.cycles.length === 0 && d.events.length === 0 && d.canaries.length === 0;
  const body = empty
    ? [
        '<section id="empty"><p class="empty" data-field="empty">' +
          `No cycles, canaries or operator actions in the last ${esc(d.days)} days: nothing to chart yet.</p>`,
        `<h2>Parameters now</h2>${currentParameters(d)}</section>`,
      ]
    : [parametersSection(d, x), kpiSection(d, x), canarySection(d), timelineSection(d, x), cycleSection(d)];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VVTV autopilot report · ${esc(d.channel)} · ${when(d.to)}</title>
<style>${STYLE}</style></head>
<body>
${header(d)}
${body.join('\n')}
<footer>vvtvctl autopilot report --html · generated ${when(d.to)} UTC · hover a mark for its numbers</footer>
<script>${SELF_CHECK}</script>
</body></html>
`;
}

/** Marks <html> with how many charts have drawn marks of non-zero size (or the error): what a headless check reads. */
const SELF_CHECK = [
  '(function(){try{',
  "var c=document.querySelectorAll('svg.chart'),ok=0;",
  'for(var i=0;i<c.length;i++){',
  "var m=c[i].querySelectorAll('.series,.pt,.band,.est,.event,.span,.ci,.marker'),d=0;",
  'for(var j=0;j<m.length;j++){var b=m[j].getBBox();if(b.width>0||b.height>0)d++;}',
  "c[i].setAttribute('data-drawn',String(d));if(d>0)ok++;}",
  "document.documentElement.setAttribute('data-charts',String(c.length));",
  "document.documentElement.setAttribute('data-charts-drawn',String(ok));",
  "}catch(e){document.documentElement.setAttribute('data-report-error',String(e));}})();",
].join('');
