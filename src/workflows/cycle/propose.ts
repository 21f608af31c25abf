import { requestedChanges, noChangeMessage } from '../../domain/cycle';
import { proposeForCycle } from '../../domain/optimizer';
import type { ParameterBounds, ParameterChange, WindowAnalysis } from '../../domain/types';
import { patched } from '@temporalio/workflow';
import { decide, now, type CycleContext, type CycleEnd } from './context';
// The canary workflow's patch: the forecast follows the judge it forecasts.
import { BAND_PRIMARY_ESTIMATE_PATCH } from '../canary';

const OFFLINE_REPLAY_PATCH = 'vvtv-offline-replay-v1';
const FORECAST_VARIANCE_PATCH = 'vvtv-forecast-variance-v1';

export interface Proposal {
  proposals: ParameterChange[];
  bounds: ParameterBounds[];
  reference: Record<string, number>;
}

/**
 * Step 2 (1.3, 1.4): the operator's requested values, or the learning optimizer (past canaries are
 * its experiments; on a cold start the rule table steers). Bad data never becomes a proposal.
 */
export async function propose(ctx: CycleContext, analysis: WindowAnalysis): Promise<Proposal | CycleEnd> {
  const { acts, channel, settings, input } = ctx;
  const card = ctx.card!;
  ctx.phase = 'proposing';
  const { bounds, reference } = await acts.loadBounds({ channel, params: settings.params, current: card.values });
  let proposals: ParameterChange[];
  if (input.changes?.length) {
    const r = requestedChanges(input.changes, settings.params, card.values, input.reason, card.skipped);
    ctx.report.proposer = 'operator';
    if (r.errors.length) {
      ctx.report.errors = r.errors;
      await decide(ctx, 'proposal', 'operator request refused', { errors: r.errors });
      return { end: 'invalid_input', message: r.errors.join('; ') };
    }
    proposals = r.changes;
  } else {
    if (!analysis.usable) {
      const bad = analysis.kpis.filter((k) => !k.usable).map((k) => `${k.kpi}: ${k.flags.join(', ')}`);
      await acts.raiseAlert({
        severity: 'warning',
        channel,
        cycleId: ctx.cycleId,
        name: 'bad_metrics_data',
        summary: `no proposal: metrics not usable (${bad.join('; ')})`,
        details: { analysis },
      });
      return { end: 'skipped_bad_data', message: `metrics not usable: ${bad.join('; ')}` };
    }
    proposals = await optimize(ctx, analysis, bounds, reference);
  }
  ctx.report.proposals = proposals;
  await decide(ctx, 'proposal', proposals.length ? `${proposals.length} change(s) proposed` : 'no change proposed', proposals);
  if (proposals.length === 0) return { end: 'no_change', message: noChangeMessage(ctx.report) };
  return { proposals, bounds, reference };
}

async function optimize(
  ctx: CycleContext,
  analysis: WindowAnalysis,
  bounds: ParameterBounds[],
  reference: Record<string, number>,
): Promise<ParameterChange[]> {
  const { acts, channel, settings } = ctx;
  const g = ctx.governor!;
  const current = ctx.card!.values;
  const [experiments, boundsPolicy] = await Promise.all([acts.loadExperiments({ channel, limit: 60 }), acts.getBoundsPolicy({})]);
  // The offline replay on the slot log (issue 12), when one is configured; executions started
  // before it existed replay without it.
  const offline =
    settings.replay && patched(OFFLINE_REPLAY_PATCH)
      ? await acts.loadOfflineEvidence({ channel, params: settings.params, kpis: settings.kpis.map((k) => k.name), current })
      : null;
  const durationMinutes = (ctx.input.canary?.durationMs ?? settings.canary.durationMs) / 60_000;
  const {
    changes,
    source,
    optimizer: opt,
  } = proposeForCycle({
    now: now(),
    analysis,
    kpis: settings.kpis,
    params: settings.params,
    current,
    reference,
    lastKnownGood: current,
    bounds,
    overrides: g.overrides,
    experiments,
    ...(offline ? { offline } : {}),
    boundsPolicy,
    canary: {
      durationMinutes,
      trafficShare: settings.canary.trafficPercentage,
      confidenceLevel: settings.canary.confidenceLevel,
      nonInferiorityMargin: settings.canary.nonInferiorityMargin,
      maxStages: settings.canary.maxStages ?? 1,
      bandPrimaryEstimate: patched(BAND_PRIMARY_ESTIMATE_PATCH),
      ...(analysis.recentRatePerHour ? { expectedSamples: (analysis.recentRatePerHour * durationMinutes) / 60 } : {}),
    },
    options: {
      ...settings.optimizer,
      // Executions started before the forecast learned the judge's variance reduction replay without it.
      forecastVarianceReduction: (settings.optimizer?.forecastVarianceReduction ?? true) && patched(FORECAST_VARIANCE_PATCH),
      maxChanges: settings.maxChanges,
      stepScale: g.stepScale,
      correctionsOnly: g.correctionsOnly,
    },
  });
  ctx.report.optimizer = {
    reason: opt.reason ?? null,
    evidence: opt.evidence,
    ...(offline ? { offline: { slots: offline.slots, mismatched: offline.mismatched, moves: offline.moves.length } } : {}),
    ...(opt.canaryVariance ? { canaryVariance: opt.canaryVariance } : {}),
    skipped: opt.skipped,
    candidates: opt.candidates.slice(0, 8),
  };
  ctx.report.proposer = source === 'optimizer' ? 'optimizer' : source === 'none' ? 'none' : 'rules';
  return changes;
}
