import { readFileSync } from 'node:fs';
import { Harness } from '../support/harness';
import { startCycle } from '../../src/client';
import type { CycleResult } from '../../src/workflows/messages';
import { expectOutcome } from '../support/outcome';

const FAST = { durationMs: 12_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };

describe('daily cycle on a real Temporal server', () => {
  describe('a beneficial change', () => {
    // The optimizer's gate comes from the config (optimizer section), checked in the stored report.
    const h = new Harness({ slotsPerSecond: 400, patchConfig: (raw) => (raw.optimizer.min_proceed_probability = 0.8) });
    beforeAll(() => h.start());
    afterAll(() => h.close());

    it('proceeds: the card changes, a new version is stored and the verdict evidence is recorded (1.5, 3.4)', async () => {
      h.startSimulator();
      const before = h.cards.load();
      expect(before.card.selection.temperature).toBe(0.5);
      const handle = await startCycle(h.client, h.taskQueue, { channel: h.channel, canary: FAST });
      const r: CycleResult = await handle.result();

      expectOutcome(r, 'promoted'); // names the verdict's rule and numbers when it fails
      expect(r.changes).toHaveLength(1);
      expect(r.changes[0]).toMatchObject({ parameter: 'temperature', oldValue: 0.5, newValue: 0.6, rule: 'entropy_below_target' });
      const after = h.cards.load();
      expect(after.card.selection.temperature).toBe(0.6);
      // comments and keys the autopilot does not tune survive the rewrite (10.5)
      expect(after.yaml).toContain('# softmax temperature: higher = more diverse');
      expect(after.card.knobs.max_repeat_per_day).toBe(3);
      expect(h.cards.readOverlay()).toBeNull();

      const v = h.rt.deps.history.getVersion(h.channel, r.versionId!)!;
      expect(v.meta.sha256).toBe(after.sha256);
      expect(v.meta.deployment.status).toBe('promoted');
      expect(v.yaml).toBe(after.yaml);

      expect(r.verdict?.decision).toBe('Proceed');
      const eng = r.verdict!.kpis.find((k) => k.kpi === 'engagement_proxy')!;
      expect(eng.canary.n).toBeGreaterThan(100);
      expect(eng.relDiff).toBeGreaterThan(0);
      const cycle = h.rt.deps.cycleLog.get(r.cycleId)!;
      expect(cycle).toMatchObject({ status: 'completed', outcome: 'promoted', version_id: r.versionId });
      const kinds = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).map((d) => d.kind);
      expect(kinds).toEqual(expect.arrayContaining(['analysis', 'proposal', 'bounds', 'canary_verdict']));
      const canary = h.rt.deps.canaryLog.get(cycle.canary_id!)!;
      expect(canary.status).toBe('promoted');
      expect(canary.checks.length).toBeGreaterThanOrEqual(1);
      expect(canary.checks.every((c) => Number.isFinite(Date.parse(c.at!)))).toBe(true); // each check with its time
      // The canary log owns the verdict; the cycle record and the audit record name it, never copy it.
      expect(canary.verdict).toMatchObject({ decision: 'Proceed', rule: r.verdict!.rule });
      expect(cycle.report.canary).toEqual(
        expect.objectContaining({ canaryId: cycle.canary_id, outcome: 'promoted', rule: r.verdict!.rule }),
      );
      expect(cycle.report.canary).not.toHaveProperty('verdict');
      expect(typeof r.predictionError).toBe('number');
      // Cold start: the optimizer had no evidence and proposed nothing, so the rules steered;
      // its candidates were held to the configured gate (0.8, not the default 0.9).
      const report = cycle.report as { proposer?: string; optimizer?: { evidence: number; candidates: Array<{ why: string }> } };
      expect(report.proposer).toBe('rules');
      expect(report.optimizer?.evidence).toBe(0);
      expect(report.optimizer?.candidates.some((c) => c.why.includes('< 0.8)'))).toBe(true);

      // Quick local steps run as local activities (markers in the history, no task for the
      // server to dispatch); effects on viewers, the governor and long steps stay activities.
      const steps = async (workflowId: string) => {
        const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
        const remote = events!.flatMap((e) =>
          e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
        );
        const markers = events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
        return { remote, markers };
      };
      const c = await steps(handle.workflowId);
      expect(c.remote).toEqual(expect.arrayContaining(['analyzeMetrics', 'runGoldenSet', 'governorMayRun', 'governorReportOutcome']));
      for (const local of ['recordDecision', 'readCard', 'loadBounds', 'prepareVersion', 'finishCycle'])
        expect(c.remote).not.toContain(local);
      expect(c.markers).toBeGreaterThanOrEqual(10);
      const k = await steps(cycle.canary_id!);
      expect(k.remote).toEqual(expect.arrayContaining(['deployCanary', 'promoteCanary']));
      expect(k.remote).not.toContain('measureCanary');
      expect(k.markers).toBeGreaterThanOrEqual(2 * canary.checks.length); // measure and record per look (and the live-card check)
    });
  });

  describe('a harmful change', () => {
    const h = new Harness({ slotsPerSecond: 400, simulator: { harmfulRegion: { parameter: 'temperature', above: 0.55, severity: 0.3 } } });
    beforeAll(() => h.start());
    afterAll(() => h.close());

    it('rolls back: the live card stays byte-identical (3.5)', async () => {
      h.startSimulator();
      const before = readFileSync(h.cards.path);
      const handle = await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: FAST,
        changes: [{ parameter: 'temperature', value: 0.6 }],
        reason: 'test',
      });
      const r = await handle.result();
      expect(r.outcome).toBe('rolled_back');
      expect(r.verdict?.decision).toBe('Rollback');
      expect(r.verdict?.rule).toBe('primary_degraded');
      expect(readFileSync(h.cards.path).equals(before)).toBe(true);
      expect(h.cards.readOverlay()).toBeNull();
      expect(h.rt.deps.history.getVersion(h.channel, r.versionId!)!.meta.deployment.status).toBe('rolled_back');
    });
  });
});
