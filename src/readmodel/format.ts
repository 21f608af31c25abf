/** Text renderings of the read model, shared by vvtvctl and the `npm start` demo printout. */
import type { RollbackRate } from '../domain/governor';
import type { CanaryVerdict } from '../domain/types';
import type { TrajectoryPoint, VerdictRow } from './cycle';
import type { ControlView, PauseView } from './governor';
import type { GateRecord } from './status';

/** A minimal fixed-width table. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

/** 0.1234 → `12.3%`; null, NaN and ±∞ → `-`. */
export function pct(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '-';
}

/** The gate's record in one sentence (vvtvctl autopilot report, the HTML report). */
export function gateText(g: GateRecord): string {
  const gate = `the gate (a move needs a forecast P(its canary passes) ≥ ${pct(g.minProceedProbability, 0)}): `;
  if (g.canaries === 0 || g.meanForecast === null) return `${gate}no finished canary the optimizer chose in the period`;
  return (
    gate +
    `${g.passed} of the ${g.canaries} finished canaries the optimizer chose passed, ` +
    `where its forecasts expected ${(g.canaries * g.meanForecast).toFixed(1)} (mean P(pass) ${pct(g.meanForecast, 0)})`
  );
}

/** A p-value: three significant digits, small ones as `6.34e-5`. */
export function pValue(p: number): string {
  if (!Number.isFinite(p)) return '-';
  return p !== 0 && p < 0.001 ? p.toExponential(2).replace(/e-0*/, 'e-') : p.toPrecision(3);
}

const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
const end = (x: number | null) => (x === null ? '∞' : `${(x * 100).toFixed(1)}%`);

/** `+10.11% [5.1% .. 15.2%]` (an unbounded end is ∞). */
export function deltaWithCI(relDiff: number, ci: [number | null, number | null]): string {
  return `${Number.isFinite(relDiff) ? signedPct(relDiff) : '-'} [${ci[0] === null ? '-∞' : end(ci[0])} .. ${end(ci[1])}]`;
}

export function rate(r: RollbackRate): string {
  return r.rate === null ? '- (no deployments)' : `${pct(r.rate)} (${r.rollbacks}/${r.deployments})`;
}

/** The per-KPI verdict table (KPI, role, control mean/n, canary mean/n, Δ% with CI, p, classification). */
export function verdictTable(rows: readonly VerdictRow[]): string {
  return table(
    rows.map((k) => ({
      kpi: k.kpi,
      role: k.role,
      control: `${k.control.mean.toFixed(4)} (n=${k.control.n})`,
      canary: `${k.canary.mean.toFixed(4)} (n=${k.canary.n})`,
      'Δ [ci]': deltaWithCI(k.relDiff, k.relCI),
      p: pValue(k.pValue),
      'adj p': pValue(k.adjustedP),
      class: k.classification,
    })),
  );
}

/** The canary's checks in order: time, index, decision/rule, primary Δ and interval. */
export function trajectoryTable(points: readonly TrajectoryPoint[]): string {
  return table(
    points.map((p) => ({
      time: p.at ?? '-',
      check: `${p.checkIndex}${p.final ? ' (final)' : ''}`,
      decision: `${p.decision}/${p.rule}`,
      'primary Δ [ci]': p.primaries.map((k) => `${k.kpi} ${deltaWithCI(k.relDiff, k.relCI)}`).join('; ') || '-',
    })),
  );
}

export function pauseText(p: PauseView): string {
  const since = p.since ? ` since ${p.since}` : '';
  const until = p.until ?? (p.source === 'config' ? 'the config flag is cleared' : 'resumed');
  return `PAUSED (${p.source}) by ${p.by}${since} until ${until}: ${p.reason}`;
}

/** `running`, `PAUSED (emergency) by … until …: why`, `drift mode since …`, or why it is unknown. */
export function controlText(v: ControlView): string {
  const parts = [
    v.pause ? pauseText(v.pause) : v.mode === 'unknown' ? 'state unknown' : v.mode === 'drift' ? 'running in drift mode' : 'running',
  ];
  if (v.pause && v.drift) parts.push(`drift mode since ${v.drift.since}`);
  if (v.mode === 'drift' && v.drift) parts[0] += ` since ${v.drift.since} (corrections only)`;
  if (v.governor.state !== 'running') parts.push(`governor ${v.governor.state.replace('_', ' ')}: ${v.governor.reason}`);
  if (!v.config.enabled) parts.push('autopilot.enabled is false in the config');
  return parts.join('; ');
}

/**
 * What variance reduction did for a verdict's KPIs (issue 12), one clause per KPI: the method,
 * the covariates (and per-arm slopes when fitted), the variance removed, and the paired design's triggered share, sample-ratio and
 * placebo checks. Null for a verdict without it (off, switchback, or older than issue 12).
 */
export function varianceReductionText(v: Pick<CanaryVerdict, 'varianceReduction'> | null | undefined): string | null {
  const vr = v?.varianceReduction;
  if (!vr || Object.keys(vr).length === 0) return null;
  return Object.entries(vr)
    .map(([kpi, r]) => {
      const cov = r.covariates.length ? ` on ${r.covariates.join('+')}${r.slopes === 'per_arm' ? ' (per-arm slopes)' : ''}` : '';
      const p = r.paired;
      const paired = p
        ? `, triggered ${pct(p.triggeredShare)}, SRM p=${pValue(Math.min(p.srmAll.pValue, p.srmTriggered.pValue))}` +
          ` ${p.srmAll.passed && p.srmTriggered.passed ? 'ok' : 'FAILED'}, placebo ` +
          (p.placebo ? `p=${pValue(p.placebo.pValue)} ${p.placebo.passed ? 'ok' : 'FAILED'}` : 'untested')
        : '';
      return `${kpi}: ${r.method}${cov}, variance −${pct(r.varianceReduction)}${paired}`;
    })
    .join('; ');
}
