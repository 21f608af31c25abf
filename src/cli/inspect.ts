/** Read-only commands: status, history, show-cycle, bounds, validate, config, report, drift-check. */
import { parseCard } from '../adapters/card-store';
import { completeBounds, exportBounds, validateChange } from '../domain/bounds';
import { cardTerms } from '../config/card-terms';
import { loadConfig } from '../config/load';
import { ValidationError } from '../config/errors';
import { FileTooLargeError, readTextFile, yamlToJs } from '../config/files';
import {
  channelReport,
  channelStatus,
  controlText,
  cycleView,
  driftView,
  gateText,
  pct,
  rate,
  table,
  trajectoryTable,
  varianceReductionText,
  verdictTable,
  type CycleView,
} from '../readmodel';
import type { CliContext } from './context';

interface ChannelOpt {
  channel?: string;
}

export async function status(c: CliContext, o: ChannelOpt): Promise<void> {
  const ch = c.channel(o.channel);
  const s = channelStatus(c.runtime.deps, await c.governor(ch), ch);
  c.out(s, (x) =>
    [
      `channel ${x.channel}: ${controlText(x)}`,
      `card ${x.card.path}\n  sha256 ${x.card.sha256}\n  ${Object.entries(x.card.values)
        .map(([k, v]) => `${k}=${v}`)
        .join('  ')}`,
      `canary: ${x.canary ? `${x.canary.canary_id} since ${x.canary.started_at}, ${x.canary.checks.length} check(s)` : 'none running'}`,
      'recent cycles:',
      table(x.cycles.map((y) => ({ started: y.started_at, outcome: y.outcome ?? y.status, cycle: y.cycle_id }))),
      'bounds:',
      table(
        x.bounds.map((b) => ({
          parameter: b.parameter,
          min: b.min,
          max: b.max,
          hard: `[${b.hardMin}, ${b.hardMax}]`,
          rollbacks: b.rollbackCount,
        })),
      ),
    ].join('\n'),
  );
}

export async function history(c: CliContext, o: ChannelOpt & { limit: string; parameter?: string; format: string }): Promise<void> {
  const ch = c.channel(o.channel);
  const h = c.runtime.deps.history;
  const q = { limit: Number(o.limit), parameter: o.parameter };
  if (o.format === 'csv') return void process.stdout.write(h.exportCsv(ch, q));
  const { items, total } = h.list(ch, q);
  if (o.format === 'json' || c.json) return void process.stdout.write(`${JSON.stringify({ total, items }, null, 2)}\n`);
  const rows = items.map((v) => ({
    version: v.version_id,
    source: v.source,
    status: v.deployment.status,
    changes: v.changes.map((x) => `${x.parameter} ${x.oldValue}→${x.newValue}`).join(', '),
    sha: v.sha256.slice(0, 12),
  }));
  process.stdout.write(`${table(rows)}\n(${total} in all)\n`);
}

export async function showCycle(c: CliContext, cycleId: string, o: ChannelOpt): Promise<void> {
  const ch = c.channel(o.channel);
  const view = cycleView(c.runtime.deps, ch, cycleId);
  if (!view) throw new Error(`no cycle ${cycleId} in the state store`);
  // --json keeps the raw records.
  if (c.json) return c.out({ cycle: view.cycle, decisions: view.decisions, canary: view.canary }, (x) => JSON.stringify(x));
  process.stdout.write(`${cycleText(view)}\n`);
}

function cycleText(v: CycleView): string {
  const cy = v.cycle;
  const out = [`cycle ${cy.cycle_id}: ${cy.status} / ${cy.outcome ?? '-'} (${cy.started_at} → ${cy.finished_at ?? 'running'})`];
  if (cy.error) out.push(`error: ${cy.error}`);
  const forecast = cy.report.optimizer?.canaryVariance;
  if (forecast) {
    const parts = Object.entries(forecast.share).map(
      ([kpi, share]) => `${kpi} ×${share.toFixed(2)} (canaries ${(forecast.basis[kpi] ?? []).map((b) => b.id).join(', ')})`,
    );
    out.push(`canary forecast: the raw variance times what recent canaries' judges left: ${parts.join('; ')}`);
  }
  if (v.verdict) {
    const by = v.canary?.decided_by ? `, decided by ${v.canary.decided_by}` : '';
    out.push(
      '',
      `verdict: ${v.verdict.decision} by rule ${v.verdict.rule}${by} ` +
        `(${v.verdict.method}, ${pct(v.verdict.confidenceLevel, 0)} confidence)`,
    );
    const stage = v.verdict.maxStages ? `stage ${v.verdict.stage ?? 1} of ${v.verdict.maxStages}` : 'stage 1 of 1';
    const purpose = v.verdict.purpose?.kind === 'band' ? `band of ${v.verdict.purpose.kpi}` : 'primary';
    out.push(`  stopped at ${stage}; judged on its purpose: ${purpose}`);
    const vr = varianceReductionText(v.verdict);
    if (vr) out.push(`  variance reduction: ${vr}`);
    out.push(`  ${v.verdict.reason}`, verdictTable(v.kpis));
  }
  if (v.canary) {
    out.push(
      '',
      `canary ${v.canary.canary_id} (${v.canary.status}, ${pct(v.canary.traffic_percentage, 0)} of traffic), checks:`,
      trajectoryTable(v.trajectory),
    );
  }
  for (const d of v.decisions) out.push('', `[${d.at}] ${d.kind}: ${d.summary}`, JSON.stringify(d.payload, null, 2));
  return out.join('\n');
}

export async function bounds(c: CliContext, o: ChannelOpt): Promise<void> {
  const ch = c.channel(o.channel);
  const at = new Date().toISOString();
  const b = completeBounds(c.config.parameters, c.runtime.deps.boundsStore.get(ch), at);
  // --json is the bounds export of 2.1: each range with its width against the hard range, and its adjustments.
  c.out(exportBounds(ch, b, c.runtime.deps.boundsStore.adjustments(ch, 20), at), (s) =>
    [
      table(
        s.parameters.map((x) => ({
          parameter: x.parameter,
          min: x.min,
          max: x.max,
          hardMin: x.hardMin,
          hardMax: x.hardMax,
          rollbacks: x.rollbackCount,
        })),
      ),
      '',
      'adjustments:',
      table(
        s.adjustments.map((a) => ({
          at: a.at,
          parameter: a.parameter,
          kind: a.kind,
          range: `[${a.new_min}, ${a.new_max}]`,
          rationale: a.rationale,
        })),
      ),
    ].join('\n'),
  );
}

export async function validate(c: CliContext, o: ChannelOpt & { card?: string }): Promise<void> {
  loadConfig(c.configPath); // throws with every problem named
  const ch = c.channel(o.channel);
  const path = o.card ?? c.runtime.deps.cards(ch).path;
  let text: string;
  try {
    text = readTextFile(path, 'card');
  } catch (err) {
    if (err instanceof FileTooLargeError) throw err;
    throw new ValidationError(path, [`cannot read the card: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const { card, doc } = parseCard(text, path);
  const { terms, problems } = cardTerms(c.config, card, yamlToJs(doc, path));
  const current = completeBounds(c.config.parameters, c.runtime.deps.boundsStore.get(ch), new Date().toISOString());
  for (const p of c.config.parameters) {
    const v = terms.values[p.name];
    if (v === undefined) continue;
    const d = validateChange(
      { parameter: p.name, oldValue: Number.NaN, newValue: v },
      p,
      current.find((b) => b.parameter === p.name)!,
      { referenceValue: v },
    );
    problems.push(
      ...d.rejections.filter((r) => r.rule === 'hard_limit' || r.rule === 'sliding_bounds' || r.rule === 'integer').map((r) => r.message),
    );
  }
  // Absent fields are not problems: those parameters are simply not tuned while the card lacks them.
  const notTuned = terms.skipped.map((s) => `${s.parameter}: not tuned (${s.reason})`);
  const kpis = { source: terms.kpiSource, names: terms.kpis.map((k) => `${k.name} (${k.role}, ${k.goal})`) };
  const r = { config: c.configPath, card: path, ok: problems.length === 0, problems, notTuned, fromAbsent: terms.fromAbsent, kpis };
  c.out(r, (s) =>
    [
      s.ok ? `OK: ${s.config} and ${s.card} are valid and within bounds` : `INVALID:\n  - ${s.problems.join('\n  - ')}`,
      ...s.notTuned.map((n) => `  note: ${n}`),
      ...s.fromAbsent.map((n) => `  note: ${n} is absent from the card; tuned from its value_when_absent`),
      `  KPIs (from the ${s.kpis.source}): ${s.kpis.names.join(', ') || 'none'}`,
    ].join('\n'),
  );
  if (problems.length) process.exitCode = 2;
}

export async function config(c: CliContext): Promise<void> {
  c.out(c.config, (cfg) => JSON.stringify(cfg, null, 2));
}

export async function report(c: CliContext, o: ChannelOpt & { days: string }): Promise<void> {
  const ch = c.channel(o.channel);
  const days = Number(o.days);
  if (!(days > 0)) throw new ValidationError('--days', [`expected a positive number, got ${o.days}`]);
  const r = channelReport(c.runtime.deps, await c.governor(ch), ch, days);
  const g = r.governor;
  const from = g.source === 'governor' ? 'the governor' : 'the stores, as the governor computes it';
  c.out(r, (x) =>
    [
      `${x.channel}, last ${x.days} days: ${x.cycles} cycle(s)  ${Object.entries(x.byOutcome)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `deployment success ${pct(x.deploymentSuccess)} (target > 90 %, 8.2)   ` +
        `rollback rate ${pct(x.rollbackRate)} (target < ${pct(x.targets.rollbackRateBelow, 0)}, 4.3)`,
      `governor (${from}): rollback rate 7 d ${rate(g.rollbackRate7d)}   ${g.rollbackRate14d.windowDays} d ${rate(g.rollbackRate14d)}`,
      `prediction error p50 ${pct(x.predictionErrorP50)} over ${x.predictionErrorDays} measured day(s) ` +
        `of the last ${g.errorP50.windowDays} ` +
        `(target < ${pct(x.targets.predictionErrorP50Below, 0)}, 4.1)`,
      gateText(x.gate),
    ].join('\n'),
  );
}

export async function driftCheck(c: CliContext, o: ChannelOpt): Promise<void> {
  const ch = c.channel(o.channel);
  const v = driftView(c.runtime.deps, await c.governor(ch), ch);
  c.out(v, (x) => {
    const n = x.numbers;
    const from = n.source === 'governor' ? '' : ' (from the stores: the governor did not answer)';
    const off = x.governor.state === 'running' ? 'off' : 'unknown';
    const drift = x.drift ? `since ${x.drift.since} (parameters ${x.drift.parameters.join(', ') || '-'})` : off;
    return [
      `${x.channel}: ${controlText(x)}`,
      `drift mode: ${drift}`,
      `mode ${x.mode}, step scale ${n.stepScale ?? '-'}${n.correctionsOnly ? ', corrections only' : ''}, ` +
        `trailing failures ${n.trailingFailures}, ` +
        `backoff level ${x.backoffLevel ?? '-'}`,
      `rollback rate ${n.rollbackRate7d.windowDays} d: ${rate(n.rollbackRate7d)}   ` +
        `${n.rollbackRate14d.windowDays} d: ${rate(n.rollbackRate14d)}   ` +
        `p50 prediction error ${n.errorP50.windowDays} d: ${pct(n.errorP50.p50)} over ${n.errorP50.days} day(s) ` +
        `(target < ${pct(n.errorP50.target, 0)})${from}`,
      'overrides:',
      table(
        x.overrides.map((y) => ({ parameter: y.parameter, range: `[${y.min}, ${y.max}]`, until: y.expiresAt, by: y.by, reason: y.reason })),
      ),
    ].join('\n');
  });
}
