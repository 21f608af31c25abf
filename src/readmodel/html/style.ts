/** The report's inline stylesheet (light, printable; the charts' colours are set here, not in the SVG). */
export const STYLE = `
:root { --ink: #1d2733; --muted: #5f6b7a; --line: #d8dee6; --blue: #1f5fbf;
  --green: #2e8b57; --red: #c0392b; --amber: #d4890a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
  margin: 0 auto; padding: 20px 28px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 14px; margin: 18px 0 2px; }
header dl { display: grid; grid-template-columns: 130px 1fr; gap: 2px 12px; margin: 0; }
header dt { color: var(--muted); }
header dd { margin: 0; }
dd.paused { color: var(--red); font-weight: 600; }
.sub { color: var(--muted); font-size: 12px; margin: 0; }
figure { display: inline-block; margin: 8px 18px 8px 0; vertical-align: top; }
figcaption { font-weight: 600; margin-bottom: 2px; }
svg.chart { display: block; background: #fff; max-width: 100%; height: auto; }
.tick, .row-label, .hard-label, .axis-label { font-size: 11px; fill: var(--muted); }
.row-label { fill: var(--ink); }
.grid { stroke: #eef1f5; }
.axis { stroke: #9aa5b1; }
.zero { stroke: #7b8794; stroke-width: 1.2; }
.band { fill: #cfe0fa; stroke: #8fb3ea; stroke-width: 0.6; }
.hard { stroke: #7b8794; stroke-dasharray: 5 4; }
.target { fill: #dff3e4; }
.series { fill: none; stroke: var(--blue); stroke-width: 2; }
.pt { fill: var(--blue); stroke: #fff; stroke-width: 1; }
.pt.promoted { fill: var(--green); }
.pt.card { fill: #fff; stroke: var(--blue); stroke-width: 2; }
.marker.rolled-back { stroke: var(--red); stroke-width: 2.5; }
.whisker { stroke: #6d89b3; stroke-width: 1.4; }
.diag { stroke: #9aa5b1; stroke-dasharray: 4 4; }
.ci { stroke-width: 3; stroke-linecap: round; }
.ci.open { stroke-dasharray: 6 3; }
.pred { fill: #fff; stroke: var(--ink); stroke-width: 1.5; }
.Improved { stroke: var(--green); fill: var(--green); }
.NonInferior { stroke: #5b7fa6; fill: #5b7fa6; }
.Degraded { stroke: var(--red); fill: var(--red); }
.Inconclusive { stroke: var(--amber); fill: var(--amber); }
.NoData { stroke: #aab4bf; fill: #aab4bf; }
.est { stroke: #fff; stroke-width: 1; }
.event { stroke: #fff; stroke-width: 1; fill: #5b7fa6; }
.event.canary_rollback, .event.rollback, .event.rollback_failed { fill: var(--red); }
.event.rollback_refused { fill: #e59866; }
.event.pause, .event.emergency_pause, .event.governor_pause { fill: var(--amber); }
.event.resume, .event.drift_mode_left { fill: var(--green); }
.event.promoted { fill: var(--green); }
.span { fill: #f8e3b5; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 12.5px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f6f9; font-weight: 600; }
code { font: 12px ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f4f6f9; padding: 0 3px; border-radius: 3px; }
span.cls { padding: 0 6px; border-radius: 8px; color: #fff; font-size: 12px; stroke: none; }
span.cls.Improved { background: var(--green); } span.cls.NonInferior { background: #5b7fa6; } span.cls.Degraded { background: var(--red); }
span.cls.Inconclusive { background: var(--amber); } span.cls.NoData { background: #aab4bf; }
.outcome.promoted { color: var(--green); font-weight: 600; } .outcome.rolled_back, .outcome.failed { color: var(--red); font-weight: 600; }
.legend { color: var(--muted); font-size: 12px; }
.k { display: inline-block; width: 18px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
.k.band { background: #cfe0fa; border: 1px solid #8fb3ea; } .k.hard { border-top: 2px dashed #7b8794; height: 0; }
.k.series { border-top: 2px solid var(--blue); height: 0; } .k.promoted { background: var(--green); width: 10px; border-radius: 5px; }
.k.rolled-back { color: var(--red); width: auto; height: auto; font-weight: 700; } .k.target { background: #dff3e4; }
details { color: var(--muted); font-size: 12px; margin: 2px 0 6px; } summary { cursor: pointer; }
.empty { font-size: 16px; padding: 16px; background: #f4f6f9; border-radius: 6px; }
.none { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
