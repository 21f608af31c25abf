import {
  ApplicationFailure,
  ParentClosePolicy,
  TimeoutFailure,
  startChild,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, CycleSettings } from '../activities';
import { validateChange } from '../domain/bounds';
import { proposeForCycle } from '../domain/optimizer';
import type { BoundsDecision, ParameterBounds, ParameterChange, WindowAnalysis } from '../domain/types';
import type { MayRunAnswer } from '../domain/governor-control';
import type { CycleOutcome } from '../adapters/state-store';
import { canaryWorkflow } from './canary';
import {
  SA_CHANNEL,
  SA_OUTCOME,
  canaryWorkflowId,
  cycleStatusQuery,
  type CanaryResult,
  type CycleInput,
  type CycleResult,
} from './messages';

/** The failure and its causes, outermost first (activity → child workflow → timeout …). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e && out.length < 10; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/** The innermost ApplicationFailure if there is one, else the innermost cause. */
function rootCause(err: unknown): unknown {
  const all = chain(err);
  return all.find((e) => e instanceof ApplicationFailure) ?? all[all.length - 1];
}

/** Turns operator-requested values into changes; unknown parameters are reported, not thrown. */
function requested(input: CycleInput, settings: CycleSettings, current: Record<string, number>): { changes: ParameterChange[]; errors: string[] } {
  const changes: ParameterChange[] = [];
  const errors: string[] = [];
  for (const r of input.changes ?? []) {
    const p = settings.params.find((x) => x.name === r.parameter);
    if (!p) {
      errors.push(`changes.${r.parameter}: expected one of ${settings.params.map((x) => x.name).join(', ')}`);
      continue;
    }
    changes.push({
      parameter: p.name, cardPath: p.card_path, oldValue: current[p.name], newValue: r.value, changeType: 'Optimization',
      rule: 'operator_requested', rationale: input.reason ?? 'requested by an operator', expectedImpact: {}, confidence: 1,
    });
  }
  return { changes, errors };
}

/**
 * The daily cycle (1.1-1.5): analyse the last 24 h → propose → check bounds → store the candidate
 * version → canary child workflow → promote or roll back → record everything with its evidence.
 */
export async function autopilotCycle(input: CycleInput): Promise<CycleResult> {
  const cycleId = workflowInfo().workflowId;
  const { channel } = input;
  upsertSearchAttributes([{ key: SA_CHANNEL, value: channel }]);
  const boot = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', scheduleToCloseTimeout: '10 minutes', retry: { nonRetryableErrorTypes: ['ValidationError', 'HistoryIntegrityError'] } });

  let phase = 'starting';
  let changes: ParameterChange[] = [];
  let canaryId: string | null = null;
  setHandler(cycleStatusQuery, () => ({ phase, canaryId, changes }));

  const settings = await boot.beginCycle({ cycleId, channel, trigger: input.trigger });
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: settings.operationTimeoutMs,
    scheduleToCloseTimeout: settings.operationTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['ValidationError', 'HistoryIntegrityError'] },
  });
  const report: Record<string, unknown> = { trigger: input.trigger, paused: settings.paused };
  let versionId: string | undefined;

  // The channel's governor decides whether this cycle may change anything (pause, backoff, drift
  // mode, another cycle running) and with which step scale and bounds overrides (4.x, 9.x).
  const gov: MayRunAnswer = await acts.governorMayRun({ channel, cycleId, at: new Date().toISOString() });
  report.governor = gov;
  if (!gov.allowed && !settings.paused.paused) settings.paused = { paused: true, reason: gov.reason };

  const decide = (kind: string, summary: string, payload: unknown) => acts.recordDecision({ channel, cycle_id: cycleId, kind, summary, payload });
  const reportToGovernor = async (outcome: CycleOutcome, predictionError?: number) => {
    const answer = await acts.governorReportOutcome({
      channel, cycleId, outcome, at: new Date().toISOString(), predictionError,
      changedParameters: changes.map((c) => c.parameter),
      rolledBackParameters: outcome === 'rolled_back' ? changes.map((c) => c.parameter) : undefined,
    });
    report.governorActions = answer.actions;
  };
  const end = async (outcome: CycleOutcome, message: string, extra: Partial<CycleResult> = {}): Promise<CycleResult> => {
    phase = 'finished';
    if (outcome !== 'skipped_paused') {
      // 2.2, 2.3: stability widens bounds, repeated rollbacks contract them.
      const upd = await acts.updateBoundsAfterCycle({ channel, outcome, changes, at: new Date().toISOString() });
      if (upd.adjustments.length) await decide('bounds_update', `${upd.adjustments.length} bounds adjustment(s)`, upd.adjustments);
    }
    await reportToGovernor(outcome, extra.predictionError);
    report.history = await acts.maintainHistory({ channel, cycleId });
    upsertSearchAttributes([{ key: SA_OUTCOME, value: outcome }]);
    await acts.finishCycle({ cycleId, channel, outcome, versionId, canaryId: canaryId ?? undefined, report: { ...report, message } });
    log.info('cycle finished', { cycleId, outcome, message });
    return { cycleId, channel, outcome, versionId, changes, message, ...extra };
  };

  /**
   * The learning optimizer (1.3, 1.4): past canaries are its experiments. On a cold start, when
   * it has no evidence yet and proposes nothing, the rule table steers instead (proposeForCycle).
   */
  const propose = async (analysis: WindowAnalysis, current: Record<string, number>, bounds: ParameterBounds[], reference: Record<string, number>, g: MayRunAnswer): Promise<ParameterChange[]> => {
    const [experiments, boundsPolicy] = await Promise.all([acts.loadExperiments({ channel, limit: 60 }), acts.getBoundsPolicy({})]);
    const durationMinutes = (input.canary?.durationMs ?? settings.canary.durationMs) / 60_000;
    const { changes, source, optimizer: opt } = proposeForCycle({
      now: new Date().toISOString(), analysis, kpis: settings.kpis, params: settings.params, current, reference, lastKnownGood: current,
      bounds, overrides: g.overrides, experiments, boundsPolicy,
      canary: {
        durationMinutes, trafficShare: settings.canary.trafficPercentage, confidenceLevel: settings.canary.confidenceLevel, nonInferiorityMargin: settings.canary.nonInferiorityMargin,
        ...(analysis.recentRatePerHour ? { expectedSamples: (analysis.recentRatePerHour * durationMinutes) / 60 } : {}),
      },
      options: { ...settings.optimizer, maxChanges: settings.maxChanges, stepScale: g.stepScale, correctionsOnly: g.correctionsOnly },
    });
    report.optimizer = { reason: opt.reason ?? null, evidence: opt.evidence, skipped: opt.skipped, candidates: opt.candidates.slice(0, 8) };
    if (source !== 'optimizer') report.proposer = source;
    return changes;
  };

  try {
    phase = 'reading_card';
    const card = await acts.readCard({ channel });
    report.card = card;

    phase = 'analysing';
    const analysis: WindowAnalysis = await acts.analyzeMetrics({ channel, windowHours: settings.windowHours, minSamples: settings.minSamples, kpis: settings.kpis, previousDays: 7 });
    report.analysis = analysis;
    await decide('analysis', analysis.usable ? 'window analysed' : 'window analysed: data not usable', analysis);

    if (settings.paused.paused) {
      // 9.2: keep monitoring (the analysis above is recorded) but change nothing.
      return await end('skipped_paused', `paused: ${settings.paused.reason}`);
    }

    phase = 'proposing';
    const { bounds, reference } = await acts.loadBounds({ channel, params: settings.params, current: card.values });
    let proposals: ParameterChange[];
    if (input.changes?.length) {
      const r = requested(input, settings, card.values);
      if (r.errors.length) {
        report.errors = r.errors;
        await decide('proposal', 'operator request refused', { errors: r.errors });
        return await end('invalid_input', r.errors.join('; '));
      }
      proposals = r.changes;
    } else {
      if (!analysis.usable) {
        const bad = analysis.kpis.filter((k) => !k.usable).map((k) => `${k.kpi}: ${k.flags.join(', ')}`);
        await acts.raiseAlert({ severity: 'warning', channel, cycleId, name: 'bad_metrics_data', summary: `no proposal: metrics not usable (${bad.join('; ')})`, details: { analysis } });
        return await end('skipped_bad_data', `metrics not usable: ${bad.join('; ')}`);
      }
      proposals = await propose(analysis, card.values, bounds, reference, gov);
    }
    report.proposals = proposals;
    await decide('proposal', proposals.length ? `${proposals.length} change(s) proposed` : 'no change proposed', proposals);
    if (proposals.length === 0) {
      const why = (report.optimizer as { reason?: string | null } | undefined)?.reason;
      return await end('no_change', why ? `no change: ${why}` : 'no change: every KPI is within its target band');
    }

    phase = 'checking_bounds';
    const decisions: BoundsDecision[] = proposals.map((c) =>
      validateChange(c, settings.params.find((p) => p.name === c.parameter)!, bounds.find((b) => b.parameter === c.parameter)!, {
        referenceValue: reference[c.parameter],
        override: gov.overrides.find((o) => o.parameter === c.parameter),
      }),
    );
    report.bounds = decisions;
    await decide('bounds', decisions.every((d) => d.approved) ? 'all changes within bounds' : 'some changes rejected by bounds', decisions);
    changes = proposals.filter((_, i) => decisions[i].approved);
    if (changes.length === 0) {
      const why = decisions.flatMap((d) => d.rejections.map((r) => r.message));
      await acts.raiseAlert({ severity: 'warning', channel, cycleId, name: 'bounds_violation', summary: `proposal rejected by bounds: ${why.join('; ')}`, details: { decisions } });
      return await end('rejected_by_bounds', why.join('; '));
    }

    phase = 'storing_version';
    const version = await acts.prepareVersion({ channel, cycleId, parentVersionId: card.versionId, changes });
    versionId = version.versionId;

    phase = 'golden';
    // 6.1-6.4: the golden set runs under the proposed parameters before any traffic sees them.
    const gateActs = proxyActivities<Activities>({
      startToCloseTimeout: settings.operationTimeoutMs,
      scheduleToCloseTimeout: settings.operationTimeoutMs,
      heartbeatTimeout: '30 seconds',
      retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['ValidationError', 'HistoryIntegrityError'] },
    });
    const gate = await gateActs.runGoldenSet({ channel, cycleId, params: version.params, bypass: input.bypassGolden });
    report.golden = { ...gate, failures: gate.failures.slice(0, 5) };
    await decide('golden_gate', gate.bypassed ? `golden set bypassed by ${input.bypassGolden?.by}` : gate.passed ? `golden set passed (${gate.total} checks)` : `golden set failed: ${gate.failed} of ${gate.total}`, report.golden);
    if (!gate.passed) {
      // 6.3: the deployment is aborted; the analysis is stored with the decision.
      await acts.rejectVersion({ channel, versionId, note: `golden set ${gate.status}: ${gate.failed} failure(s)` });
      const first = gate.failures[0];
      await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: 'golden_failed', summary: `golden set ${gate.status}: ${gate.failed} of ${gate.total} failed${first ? ` (first: ${first.case} / ${first.check})` : ''}`, details: { failures: gate.failures.slice(0, 5) } });
      return await end('golden_failed', `golden set ${gate.status}: ${gate.failed} of ${gate.total} checks failed`);
    }

    phase = 'canary';
    canaryId = canaryWorkflowId(channel, cycleId);
    const t = input.canary ?? {};
    const child = await startChild(canaryWorkflow, {
      workflowId: canaryId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [
        {
          ...settings.canary,
          ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
          ...(t.checkIntervalMs !== undefined ? { checkIntervalMs: t.checkIntervalMs } : {}),
          ...(t.inconclusiveWindowMs !== undefined ? { inconclusiveWindowMs: t.inconclusiveWindowMs } : {}),
          channel, cycleId, canaryId, versionId, parentSha: card.sha256, changes, kpis: settings.kpis,
          operationTimeoutMs: settings.operationTimeoutMs,
        },
      ],
    });
    // The governor can now roll this canary back on an emergency pause (9.1).
    await acts.governorRegisterCanary({ channel, cycleId, canaryId });
    const result: CanaryResult = await child.result();
    report.canary = result;
    await decide('canary_verdict', `canary ${result.outcome} (${result.decision}, decided by ${result.decidedBy})`, result);

    let predictionError: number | undefined;
    if (result.verdict) {
      predictionError = (await acts.recordPredictionError({ channel, cycleId, changes, verdict: result.verdict })) ?? undefined;
      report.predictionError = predictionError;
    }
    if (result.outcome === 'rolled_back') {
      await acts.raiseAlert({ severity: 'warning', channel, cycleId, name: 'canary_rolled_back', summary: `canary rolled back: ${result.verdict?.reason ?? result.decidedBy}`, details: { result } });
      return await end('rolled_back', result.verdict?.reason ?? result.decidedBy, { verdict: result.verdict ?? undefined, predictionError });
    }
    return await end('promoted', result.verdict?.reason ?? result.decidedBy, { verdict: result.verdict ?? undefined, predictionError });
  } catch (err) {
    const cause = rootCause(err);
    if (cause instanceof ApplicationFailure && cause.type === 'ValidationError') {
      // 10.3: the card (or input) is invalid: nothing was deployed; the current card stays.
      await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: 'invalid_card', summary: cause.message, details: { problems: cause.details } });
      report.error = cause.message;
      return await end(phase === 'reading_card' ? 'invalid_card' : 'invalid_input', cause.message);
    }
    const timedOut = chain(err).some((e) => e instanceof TimeoutFailure);
    if (cause instanceof ApplicationFailure && cause.type === 'HistoryIntegrityError') {
      await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: 'history_integrity', summary: cause.message });
    }
    const message = `${timedOut ? 'operation timed out' : 'cycle failed'} during ${phase}: ${(cause as Error)?.message ?? String(err)}`;
    // 8.3 / 8.5: timeouts and failures alert as critical.
    await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: timedOut ? 'operation_timeout' : 'cycle_failed', summary: message });
    await reportToGovernor('failed').catch(() => undefined); // must not hide the original failure
    await acts.finishCycle({ cycleId, channel, outcome: 'failed', versionId, canaryId: canaryId ?? undefined, report, error: message });
    upsertSearchAttributes([{ key: SA_OUTCOME, value: 'failed' }]);
    throw err;
  }
}
