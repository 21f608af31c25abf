import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore } from '../../../src/adapters/state-store';
import type { CanaryVerdict } from '../../../src/domain/types';
import { createRegistry } from '../../../src/observability/metrics';
import { parseConfig } from '../../../src/config/load';

const tmp = () => mkdtempSync(join(tmpdir(), 'vvtv-store-'));

describe('state store', () => {
  it('keeps cycles, canary checks (idempotent per index), decisions and bounds with their adjustments', () => {
    const path = join(tmp(), 'state.sqlite');
    const s = new SqliteStateStore(path);
    s.cycleLog.save({
      cycle_id: 'c1',
      channel: 'a',
      started_at: '2026-11-25T03:00:00Z',
      status: 'running',
      report: { trigger: 'schedule' },
    });
    s.cycleLog.save({
      cycle_id: 'c1',
      channel: 'a',
      started_at: '2026-11-25T03:00:00Z',
      status: 'completed',
      outcome: 'promoted',
      report: { trigger: 'schedule', message: 'm' },
    });
    expect(s.cycleLog.get('c1')).toMatchObject({ status: 'completed', outcome: 'promoted', report: { message: 'm' } });

    s.canaryLog.open({ canary_id: 'k1', channel: 'a', cycle_id: 'c1', started_at: '2026-11-25T03:01:00Z', traffic_percentage: 0.2 });
    const v: CanaryVerdict = {
      decision: 'Inconclusive',
      rule: 'continue_monitoring',
      reason: '',
      confidenceLevel: 0.95,
      nonInferiorityMargin: 0.02,
      kpis: [],
      final: false,
      method: 'confidence_sequence',
    };
    s.canaryLog.appendCheck('k1', { ...v, checkIndex: 1 });
    s.canaryLog.appendCheck('k1', { ...v, checkIndex: 1 }); // a retried activity
    s.canaryLog.appendCheck('k1', { ...v, checkIndex: 2 });
    expect(s.canaryLog.get('k1')!.checks.map((c) => c.checkIndex)).toEqual([1, 2]);
    // The canary log owns the verdict: it is closed once, and a late second close changes nothing.
    expect(s.canaryLog.close('k1', { status: 'rolled_back', at: 't1', verdict: { ...v, final: true }, decidedBy: 'judge' })).toBe(true);
    expect(s.canaryLog.close('k1', { status: 'promoted', at: 't2', verdict: null, decidedBy: 'late' })).toBe(false);
    expect(s.canaryLog.get('k1')).toMatchObject({
      status: 'rolled_back',
      finished_at: 't1',
      decided_by: 'judge',
      verdict: { rule: 'continue_monitoring' },
    });

    s.auditLog.record({ channel: 'a', cycle_id: 'c1', at: '2026-11-25T03:00:01Z', kind: 'analysis', summary: 's', payload: { n: 3 } });
    expect(s.auditLog.list('a', { cycleId: 'c1' })[0]).toMatchObject({ kind: 'analysis', payload: { n: 3 } });

    s.boundsStore.save(
      'a',
      [{ parameter: 'temperature', min: 0.3, max: 1.5, hardMin: 0.1, hardMax: 2, rollbackCount: 0, updatedAt: 't' }],
      [
        {
          channel: 'a',
          parameter: 'temperature',
          at: 't',
          kind: 'init',
          old_min: null,
          old_max: null,
          new_min: 0.3,
          new_max: 1.5,
          rationale: 'initial',
        },
      ],
    );
    s.close();
    const again = new SqliteStateStore(path); // migrations run once; data survives a reopen
    expect(again.boundsStore.get('a')).toEqual([
      { parameter: 'temperature', min: 0.3, max: 1.5, hardMin: 0.1, hardMax: 2, rollbackCount: 0, updatedAt: 't' },
    ]);
    expect(again.boundsStore.adjustments('a')).toHaveLength(1);
    again.close();
  });
});

describe('Prometheus metrics', () => {
  it('reports the 30-day deployment success ratio and the 14-day rollback ratio from the state store (8.2, 4.3)', async () => {
    const state = new SqliteStateStore(join(tmp(), 's.sqlite'));
    const now = Date.now();
    const outcomes = ['promoted', 'promoted', 'promoted', 'rolled_back'] as const;
    outcomes.forEach((o, i) =>
      state.cycleLog.save({
        cycle_id: `c${i}`,
        channel: 'main',
        started_at: new Date(now - i * 3_600_000).toISOString(),
        status: 'completed',
        outcome: o,
        report: { trigger: 'schedule', predictionError: 0.1 * (i + 1) },
      }),
    );
    // Prediction errors on two days (daily means 0.1 and 0.5): the governor's p50 is 0.3 (4.1).
    const today = Math.floor(now / 86_400_000) * 86_400_000;
    (
      [
        ['c-a', today - 2 * 86_400_000, 0.1],
        ['c-b', today - 2 * 86_400_000 + 60_000, 0.1],
        ['c-c', today - 86_400_000, 0.5],
      ] as const
    ).forEach(([cycle, t, value]) =>
      state.auditLog.record({
        channel: 'main',
        cycle_id: cycle,
        at: new Date(t).toISOString(),
        kind: 'prediction_error',
        summary: `autopilot_pred_vs_real_error = ${value}`,
        payload: { value, per_kpi: {} },
      }),
    );
    const config = parseConfig(readFileSync(join(__dirname, '../../../config/autopilot.yaml'), 'utf8'), 'autopilot.yaml');
    const reg = createRegistry({ config: () => ({ ...config, channels: ['main'] }), ...state });
    const text = await reg.metrics();
    expect(text).toContain('vvtv_autopilot_pred_vs_real_error_p50_14d{channel="main"} 0.3');
    expect(text).toContain('vvtv_autopilot_deployment_success_ratio_30d{channel="main"} 0.75');
    expect(text).toContain('vvtv_autopilot_rollback_ratio_14d{channel="main"} 0.25');
    expect(text).toContain('vvtv_autopilot_cycles_30d{channel="main",outcome="promoted"} 3');
    expect(text).toContain('vvtv_autopilot_pred_vs_real_error_last{channel="main"} 0.1');
  });
});
