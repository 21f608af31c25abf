import { gateChanges, goldenSummary } from '../../domain/cycle';
import { goldenActivities } from '../proxies';
import { decide, now, type CycleContext, type CycleEnd } from './context';
import type { Proposal } from './propose';

/**
 * Step 3: the bounds gate (2.x), then the candidate version in history, then the golden set under
 * the proposed parameters before any traffic sees them (6.1-6.4). A failed gate ends the cycle.
 */
export async function gate(ctx: CycleContext, p: Proposal): Promise<{ versionId: string } | CycleEnd> {
  const { acts, channel, cycleId, settings, input } = ctx;
  ctx.phase = 'checking_bounds';
  const { decisions, approved } = gateChanges({
    proposals: p.proposals,
    params: settings.params,
    bounds: p.bounds,
    overrides: ctx.governor!.overrides,
    reference: p.reference,
    now: now(),
  });
  ctx.report.bounds = decisions;
  await decide(
    ctx,
    'bounds',
    decisions.every((d) => d.approved) ? 'all changes within bounds' : 'some changes rejected by bounds',
    decisions,
  );
  ctx.changes = approved;
  if (approved.length === 0) {
    const why = decisions.flatMap((d) => d.rejections.map((r) => r.message));
    await acts.raiseAlert({
      severity: 'warning',
      channel,
      cycleId,
      name: 'bounds_violation',
      summary: `proposal rejected by bounds: ${why.join('; ')}`,
      details: { decisions },
    });
    return { end: 'rejected_by_bounds', message: why.join('; ') };
  }

  ctx.phase = 'storing_version';
  const version = await acts.prepareVersion({ channel, cycleId, parentVersionId: ctx.card!.versionId, changes: approved });
  ctx.versionId = version.versionId;

  ctx.phase = 'golden';
  const g = await goldenActivities(settings.operationTimeoutMs).runGoldenSet({
    channel,
    cycleId,
    params: version.params,
    bypass: input.bypassGolden,
  });
  ctx.report.golden = { ...g, failures: g.failures.slice(0, 5) };
  await decide(ctx, 'golden_gate', goldenSummary(g, input.bypassGolden?.by), ctx.report.golden);
  if (!g.passed) {
    // 6.3: the deployment is aborted; the analysis is stored with the decision.
    await acts.rejectVersion({ channel, versionId: version.versionId, note: `golden set ${g.status}: ${g.failed} failure(s)` });
    const first = g.failures[0];
    await acts.raiseAlert({
      severity: 'critical',
      channel,
      cycleId,
      name: 'golden_failed',
      summary: `golden set ${g.status}: ${g.failed} of ${g.total} failed${first ? ` (first: ${first.case} / ${first.check})` : ''}`,
      details: { failures: g.failures.slice(0, 5) },
    });
    return { end: 'golden_failed', message: `golden set ${g.status}: ${g.failed} of ${g.total} checks failed` };
  }
  return { versionId: version.versionId };
}
