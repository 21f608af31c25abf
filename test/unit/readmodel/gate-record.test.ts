import type { CanaryRow, HtmlReportData } from '../../../src/readmodel/report-data';
import { gateRecord } from '../../../src/readmodel/status';
import { canarySection } from '../../../src/readmodel/html/sections';

const row = (status: string, forecastPass: number | null) => ({ status, forecastPass });

describe("the gate's record: the optimizer's forecast P(canary passes) against the outcomes", () => {
  it('counts finished canaries the optimizer chose, and only those', () => {
    const g = gateRecord(
      [
        row('promoted', 0.72),
        row('promoted', 0.9),
        row('rolled_back', 0.78),
        // the rule table's or an operator's change: no forecast
        row('promoted', null),
        // still running: no outcome yet
        row('running', 0.95),
      ],
      0.7,
    );
    expect(g).toEqual({ minProceedProbability: 0.7, canaries: 3, passed: 2, meanForecast: expect.closeTo(0.8, 10) });
    expect(gateRecord([row('running', 0.8)], 0.7)).toEqual({ minProceedProbability: 0.7, canaries: 0, meanForecast: null, passed: 0 });
  });

  it('the report says it under the canaries, with each canary’s forecast', () => {
    const canary = (id: string, status: string, forecastPass: number | null): CanaryRow => ({
      canaryId: id,
      cycleId: `cy-${id}`,
      startedAt: '2026-12-01T03:00:00.000Z',
      finishedAt: '2026-12-01T04:00:00.000Z',
      status,
      decision: null,
      rule: null,
      reason: null,
      decidedBy: null,
      confidenceLevel: null,
      changes: 'top_k 12 → 14',
      kpis: [],
      predictionError: null,
      varianceReduction: null,
      forecastPass,
    });
    const canaries = [canary('k1', 'promoted', 0.74), canary('k2', 'promoted', 0.86), canary('k3', 'promoted', null)];
    const html = canarySection({ canaries, summary: { gate: gateRecord(canaries, 0.7) } } as unknown as HtmlReportData);
    expect(html).toContain(
      'data-field="gate">the gate (a move needs a forecast P(its canary passes) ≥ 70%): ' +
        '2 of the 2 finished canaries the optimizer chose passed, where its forecasts expected 1.6 (mean P(pass) 80%)<',
    );
    expect(html).toContain('k1 · changes: top_k 12 → 14 · prediction error - · forecast P(pass) 74%');
    expect(html).not.toMatch(/k3 · [^<]*forecast/);
  });
});
