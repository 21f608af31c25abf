import { summaryFromMoments } from '../domain/statistics';
import { reduceVariance, type CanaryMeasurement } from '../domain/canary';
import type { CanaryVerdict, KpiDef, ParameterChange } from '../domain/types';
import { CANARY_COVARIATES, type CanaryCovariate, type CanaryCovariateCells } from '../adapters/metrics-store';
import { storedMetricType } from '../domain/metric-names';
import { offlineVsMeasured, predictedImpacts } from '../domain/cycle';
import { ValidationError } from '../config/errors';
import { parseCard } from '../adapters/card-store';
import { guard, type Deps } from './deps';
import { keepManualEdit } from './card';

export type { CanaryGroups, CanaryMeasurement } from '../domain/canary';

/**
 * autopilot_pred_vs_real_error of one change set (4.1, 8.1): for each primary KPI the change
 * predicted (all predicted KPIs when no primary was predicted), the part of the miss the canary's
 * own noise cannot explain, relative to the effect's size:
 *   max(0, |measured − predicted| − h) / max(|predicted|, |measured|, 1 %),
 * with h the half-width of the measured effect's confidence interval; averaged over the KPIs.
 * A prediction inside the canary's interval scores 0 (the canary cannot tell it from the truth);
 * one off by an order of magnitude scores near 1, one of the wrong sign above 1; at most 2.
 * Without the noise term a 60-minute canary (relative se of engagement ≈ 1-2 %) would score an
 * exact prediction of a small effect above the 30 % of 4.2, and drift mode would follow good
 * canaries (docs/decision-quality.md).
 */
export function predictionError(
  changes: ParameterChange[],
  verdict: CanaryVerdict,
): { value: number; perKpi: Record<string, { predicted: number; measured: number; error: number }> } | null {
  const predicted = predictedImpacts(changes);
  const usable = verdict.kpis.filter(
    (ev) => predicted[ev.kpi] !== undefined && ev.classification !== 'NoData' && Number.isFinite(ev.relDiff),
  );
  const primaries = usable.filter((ev) => ev.role === 'primary');
  const perKpi: Record<string, { predicted: number; measured: number; error: number }> = {};
  for (const ev of primaries.length ? primaries : usable) {
    const p = predicted[ev.kpi];
    const h = Number.isFinite(ev.relCI[0]) && Number.isFinite(ev.relCI[1]) ? Math.abs(ev.relCI[1] - ev.relCI[0]) / 2 : 0;
    const miss = Math.max(0, Math.abs(ev.relDiff - p) - h);
    perKpi[ev.kpi] = { predicted: p, measured: ev.relDiff, error: miss / Math.max(Math.abs(p), Math.abs(ev.relDiff), 0.01) };
  }
  const errors = Object.values(perKpi).map((x) => x.error);
  if (errors.length === 0) return null;
  return { value: errors.reduce((a, b) => a + b, 0) / errors.length, perKpi };
}

/**
 * One KPI's variance-reduced summaries (issue 12, canary/paired.ts): the covariates its rows do
 * not all have are left out (noted), and the rest go to reduceVariance. `cellsOf` aggregates the
 * KPI's canary rows with the given covariates: the store's canaryCovariateMoments, or an
 * in-memory equivalent (bench/dq/world.ts).
 */
export function reduceKpiVariance(
  cellsOf: (covariates: CanaryCovariate[]) => CanaryCovariateCells,
  vr: { cuped: boolean; paired: boolean },
  share: number,
): ReturnType<typeof reduceVariance> {
  const wanted: CanaryCovariate[] = vr.cuped ? [...CANARY_COVARIATES] : [];
  let cells = cellsOf(wanted);
  const complete = wanted.filter((c) => cells.present[c] === cells.rows);
  const notes = wanted.filter((c) => !complete.includes(c)).map((c) => `${c}: on ${cells.present[c]} of ${cells.rows} rows, not used`);
  if (complete.length < wanted.length) cells = cellsOf(complete);
  const r = reduceVariance(cells.cells, cells.covariates, { cuped: vr.cuped, paired: vr.paired, share });
  return { ...r, report: { ...r.report, notes: [...notes, ...r.report.notes] } };
}

/**
 * The canary's record, opened once: a retried deploy finds it and keeps its start time. Refuses a
 * canary that is already closed (a late attempt must not resurrect it).
 */
export function openCanaryRecord(
  deps: Deps,
  c: { canaryId: string; channel: string; cycleId: string; share: number },
  at: Date,
): { startedAt: string; opened: boolean } {
  const existing = deps.canaryLog.get(c.canaryId);
  if (existing && existing.status !== 'running')
    throw new ValidationError('canary', [`canaryId: ${c.canaryId} is already ${existing.status}`]);
  if (existing) return { startedAt: existing.started_at, opened: false };
  const startedAt = at.toISOString();
  deps.canaryLog.open({
    canary_id: c.canaryId,
    channel: c.channel,
    cycle_id: c.cycleId,
    started_at: startedAt,
    traffic_percentage: c.share,
  });
  return { startedAt, opened: true };
}

export function createCanaryActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /** Writes the canary overlay (the candidate card for `trafficPercentage` of slots) and reloads (3.1). */
    async deployCanary(input: {
      channel: string;
      cycleId: string;
      canaryId: string;
      versionId: string;
      trafficPercentage: number;
    }): Promise<{ startedAt: string }> {
      return guard(async () => {
        const store = deps.cards(input.channel);
        const version = deps.history.getVersion(input.channel, input.versionId);
        if (!version) throw new ValidationError('canary', [`versionId: no version ${input.versionId} in history`]);
        const { card } = parseCard(version.yaml, `history ${input.versionId}`);
        // The record exists before the overlay does, so a rollback always finds it.
        const { startedAt } = openCanaryRecord(deps, { ...input, share: input.trafficPercentage }, now());
        await store.writeOverlay({
          canary_id: input.canaryId,
          channel: input.channel,
          traffic_percentage: input.trafficPercentage,
          started_at: startedAt,
          card_sha: version.meta.sha256,
          card,
        });
        // A late attempt (timed out, then finished) must not resurrect a canary already rolled back.
        if (deps.canaryLog.get(input.canaryId)?.status !== 'running') {
          await store.removeOverlay();
          throw new ValidationError('canary', [`canaryId: ${input.canaryId} was closed while it was being deployed`]);
        }
        deps.logger.info(
          { channel: input.channel, canaryId: input.canaryId, versionId: input.versionId, traffic: input.trafficPercentage },
          'canary deployed',
        );
        return { startedAt };
      });
    },

    /**
     * Summaries of both groups per KPI since the canary started (3.2), variance-reduced when
     * canary.variance_reduction allows (issue 12, canary/paired.ts): covariates a KPI's rows do not
     * all have are left out, and a planner without paired tags gets the regression adjustment only.
     */
    async measureCanary(input: { channel: string; canaryId: string; since: string; kpis: KpiDef[] }): Promise<CanaryMeasurement> {
      const to = new Date(now().getTime() + 1).toISOString();
      const { canary: cfg } = deps.config();
      const vr = cfg.variance_reduction;
      const reduce = vr.cuped || vr.paired;
      const share = deps.canaryLog?.get(input.canaryId)?.traffic_percentage ?? cfg.traffic_percentage;
      const preFrom = new Date(Date.parse(input.since) - vr.pre_period_days * 86_400_000).toISOString();
      const out: CanaryMeasurement = { groups: {}, raw: {}, ...(reduce ? { varianceReduction: {} } : {}) };
      for (const k of input.kpis) {
        const { channel, canaryId } = input;
        const metricType = storedMetricType(k);
        const m = deps.metrics.canaryMoments({ channel, metricType, from: input.since, to, canaryId });
        // Infinite values are left out of the summaries; the log says how many.
        if (m.control.nonFinite + m.canary.nonFinite > 0) {
          const nonFinite = { control: m.control.nonFinite, canary: m.canary.nonFinite };
          deps.logger.warn({ channel, canaryId, kpi: k.name, nonFinite }, 'canary rows with non-finite values left out');
        }
        const raw = { control: summaryFromMoments(m.control), canary: summaryFromMoments(m.canary) };
        out.raw[k.name] = raw;
        out.groups[k.name] = raw;
        if (!reduce) continue;
        const q = { channel, metricType, from: input.since, to, canaryId, preFrom };
        const r = reduceKpiVariance((covariates) => deps.metrics.canaryCovariateMoments({ ...q, covariates }), vr, share);
        out.groups[k.name] = { control: r.control, canary: r.canary };
        out.varianceReduction![k.name] = r.report;
      }
      return out;
    },

    /**
     * Was the live card edited by hand since the canary started (10.5)? A valid edit is recorded
     * as a `manual` version at once (it is kept; the canary then rolls back); an edit that does
     * not validate is reported too (the planner keeps its last good card; nothing is stored).
     */
    async checkLiveCard(input: { channel: string; canaryId: string; parentSha: string }): Promise<{ edited: boolean; reason?: string }> {
      return guard(() => {
        let live;
        try {
          live = deps.cards(input.channel).load();
        } catch (err) {
          const why = err instanceof ValidationError ? err.message : null;
          if (why) return { edited: true, reason: `the live card was edited and no longer validates: ${why}` };
          throw err;
        }
        if (live.sha256 === input.parentSha) return { edited: false };
        keepManualEdit(deps, input.channel, live, input.canaryId, now());
        return { edited: true, reason: `the live card was edited by hand during the canary (sha ${live.sha256.slice(0, 12)})` };
      });
    },

    async recordCanaryCheck(input: { canaryId: string; checkIndex: number; verdict: CanaryVerdict }): Promise<void> {
      deps.canaryLog.appendCheck(input.canaryId, { ...input.verdict, checkIndex: input.checkIndex, at: now().toISOString() });
    },

    /**
     * Promotes the candidate: the live card is replaced atomically by the version's exact bytes and
     * reloaded, then the overlay goes. Refuses (and the canary rolls back) if the live card was
     * edited by hand during the canary, so a manual edit is never overwritten (10.5).
     */
    async promoteCanary(input: {
      channel: string;
      canaryId: string;
      versionId: string;
      parentSha: string;
      verdict: CanaryVerdict | null;
      decidedBy: string;
    }): Promise<{ promoted: boolean; sha256: string; reason?: string }> {
      return guard(async () => {
        const store = deps.cards(input.channel);
        const version = deps.history.getVersion(input.channel, input.versionId);
        if (!version) throw new ValidationError('promotion', [`versionId: no version ${input.versionId} in history`]);
        const live = store.load();
        if (live.sha256 !== version.meta.sha256) {
          if (live.sha256 !== input.parentSha) {
            // 10.5: the manual edit is kept as it is and recorded as a version of its own.
            keepManualEdit(deps, input.channel, live, input.canaryId, now());
            return {
              promoted: false,
              sha256: live.sha256,
              reason: `the live card changed during the canary (sha ${live.sha256.slice(0, 12)}, expected ${input.parentSha.slice(0, 12)})`,
            };
          }
          const written = await store.write(version.yaml);
          if (written.sha256 !== version.meta.sha256)
            throw new Error(`promoted card hash ${written.sha256} does not match version ${version.meta.sha256}`);
        }
        await store.removeOverlay();
        const at = now().toISOString();
        deps.history.updateDeployment(input.channel, input.versionId, {
          status: 'promoted',
          updated_at: at,
          verdict: input.verdict ?? undefined,
          note: `decided by ${input.decidedBy}`,
        });
        if (version.meta.parent) {
          const parent = deps.history.getVersion(input.channel, version.meta.parent);
          if (parent)
            deps.history.updateDeployment(input.channel, version.meta.parent, {
              ...parent.meta.deployment,
              status: 'superseded',
              updated_at: at,
            });
        }
        deps.canaryLog.close(input.canaryId, { status: 'promoted', at, verdict: input.verdict, decidedBy: input.decidedBy });
        return { promoted: true, sha256: version.meta.sha256 };
      });
    },

    /**
     * Removes the overlay: the planner is back on the untouched live card at once (3.5). When the
     * candidate's bytes are live (a switchback block, or a promotion that failed half-way), the
     * parent's exact bytes are put back; any other live card (a manual edit) is left as it is.
     */
    async rollbackCanary(input: {
      channel: string;
      canaryId: string;
      versionId: string;
      verdict: CanaryVerdict | null;
      decidedBy: string;
      reason: string;
    }): Promise<void> {
      const store = deps.cards(input.channel);
      await store.removeOverlay();
      const version = deps.history.getVersion(input.channel, input.versionId);
      const parent = version?.meta.parent ? deps.history.getVersion(input.channel, version.meta.parent) : null;
      const liveSha = (() => {
        try {
          return store.load().sha256;
        } catch {
          return null; // unreadable or missing: not the candidate we wrote, so not ours to replace
        }
      })();
      if (version && parent && liveSha === version.meta.sha256) {
        const restored = await store.write(parent.yaml);
        if (restored.sha256 !== parent.meta.sha256)
          throw new Error(`rollback restored sha ${restored.sha256}, expected ${parent.meta.sha256}`);
        deps.logger.info(
          { channel: input.channel, canaryId: input.canaryId, sha256: parent.meta.sha256 },
          'candidate card replaced by its parent',
        );
      }
      const at = now().toISOString();
      deps.history.updateDeployment(input.channel, input.versionId, {
        status: 'rolled_back',
        updated_at: at,
        verdict: input.verdict ?? undefined,
        note: `${input.decidedBy}: ${input.reason}`,
      });
      deps.canaryLog.close(input.canaryId, { status: 'rolled_back', at, verdict: input.verdict, decidedBy: input.decidedBy });
    },

    /** Records autopilot_pred_vs_real_error for the cycle (4.1, 8.1) in the audit log and returns it. */
    async recordPredictionError(input: {
      channel: string;
      cycleId: string;
      changes: ParameterChange[];
      verdict: CanaryVerdict;
    }): Promise<number | null> {
      const e = predictionError(input.changes, input.verdict);
      if (!e) return null;
      // Our own store, not VVTV's metrics database (the autopilot only reads that one). One per
      // cycle: a retried activity finds the first record and leaves it.
      const recorded = deps.auditLog.list(input.channel, { cycleId: input.cycleId }).some((d) => d.kind === 'prediction_error');
      if (!recorded)
        deps.auditLog.record({
          channel: input.channel,
          cycle_id: input.cycleId,
          at: now().toISOString(),
          kind: 'prediction_error',
          summary: `autopilot_pred_vs_real_error = ${e.value.toFixed(3)}`,
          // The offline replay's prediction next to the measured effect, when the changes were replayed.
          payload: { value: e.value, per_kpi: e.perKpi, offline: offlineVsMeasured(input.changes, input.verdict) },
        });
      return e.value;
    },
  };
}
