/**
 * Issue 12 on the real dev server: a canary neither degraded nor confirmed at its planned end
 * continues in pre-planned stages. The simulator is not started: the test writes each stage's
 * metric rows, in VVTV's format, into the real metrics database with exact moments (values at mean ± sd), so every
 * stage's evidence is known in advance (n = 2 880 control / 720 canary a stage).
 */
import { Harness } from '../support/harness';
import { canaryStatus, startCycle } from '../../src/client';
import { canaryWorkflowId } from '../../src/workflows/messages';
import { rfc3339, type VvtvMetricRow } from '../../src/adapters/metrics-store';
import { vvtvMetricType } from '../../src/domain/metric-names';

/** One stage's rows for both groups: every KPI at mean ± sd, engagement's canary mean shifted by `lift`. */
function stageRows(canaryId: string, lift: number, engagementSd: number): VvtvMetricRow[] {
  const at = rfc3339(Date.now());
  const levels: Record<string, [number, number]> = {
    engagement_proxy: [100, engagementSd],
    selection_entropy: [2.3, 0.1],
    curator_apply_budget_used_pct: [0.3, 0.05],
    novelty_temporal_kld: [0.1, 0.01],
  };
  const rows: VvtvMetricRow[] = [];
  for (const [group, n] of [
    ['control', 2880],
    ['canary', 720],
  ] as const) {
    for (const [metric, [mean, sd]] of Object.entries(levels)) {
      const m = metric === 'engagement_proxy' && group === 'canary' ? mean * (1 + lift) : mean;
      for (let i = 0; i < n; i++) {
        rows.push({
          timestamp: at,
          metric_type: vvtvMetricType(metric),
          value: m + (i % 2 === 0 ? sd : -sd),
          // The overlay contract's tags, as a planner meeting it writes them.
          context: { canary_id: canaryId, group },
        });
      }
    }
  }
  return rows;
}

describe('a canary in group-sequential stages (issue 12)', () => {
  // No simulator traffic: the test writes the canary's rows itself. The stages' evidence below is
  // worked out at a 2 % non-inferiority margin (the default is 0.5 % since issue 12's measurement).
  const h = new Harness({ patchConfig: (raw) => (raw.canary.non_inferiority_margin = 0.02) });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  /** Runs a staged canary, writing one stage of rows as each stage begins. */
  async function staged(value: number, lift: number, engagementSd: number) {
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'epsilon', value }],
      // 2 checks a stage of 4 s; the config's canary.max_stages is 4.
      canary: { durationMs: 4_000, checkIntervalMs: 2_000, inconclusiveWindowMs: 0, maxStages: 4 },
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    let written = 0;
    const done = handle.result();
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      const s = await canaryStatus(h.client, canaryId).catch(() => null);
      // Stage k's rows go in once stage k−1 has been judged (checksDone = 2·(k−1)).
      if (s && s.phase === 'monitoring' && written < 4 && s.checksDone >= 2 * written) {
        h.metricsWriter.insert(stageRows(canaryId, lift, engagementSd));
        written += 1;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { result: await done, canaryId, written };
  }

  it('an effect too small for stage 1 is confirmed at stage 2 and proceeds there', async () => {
    const { result, canaryId } = await staged(0.06, 0.008, 40);
    expect(result.outcome).toBe('promoted');
    expect(result.verdict).toMatchObject({ decision: 'Proceed', rule: 'primary_non_inferior', stage: 2, maxStages: 4 });
    const record = h.rt.deps.canaryLog.get(canaryId)!;
    expect(record.verdict).toMatchObject({ stage: 2, maxStages: 4, purpose: { kind: 'primary' } });
    // Stage 1 ended without a decision and the canary went on.
    const stage1End = record.checks.find((c) => c.checkIndex === 2)!;
    expect(stage1End).toMatchObject({ decision: 'Inconclusive', rule: 'continue_next_stage', final: false, stage: 1 });
    expect(record.checks).toHaveLength(4);
    expect(h.rt.deps.cycleLog.get(result.cycleId)!.report.canary).toMatchObject({ stage: 2, outcome: 'promoted' });
  }, 120_000);

  it('a null effect never confirmed rolls back only after the last stage', async () => {
    const { result, canaryId } = await staged(0.05, 0, 50);
    expect(result.outcome).toBe('rolled_back');
    expect(result.verdict).toMatchObject({ decision: 'Inconclusive', rule: 'no_confident_result', stage: 4, final: true });
    const record = h.rt.deps.canaryLog.get(canaryId)!;
    expect(record).toMatchObject({ status: 'rolled_back', decided_by: 'inconclusive_timeout' });
    expect(record.checks).toHaveLength(8);
    expect(record.checks.filter((c) => c.rule === 'continue_next_stage').map((c) => c.stage)).toEqual([1, 2, 3]);
  }, 120_000);
});
