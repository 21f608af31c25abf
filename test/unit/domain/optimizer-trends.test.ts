/** Trends in proposals (1.3): a KPI heading out of its band is corrected before it leaves. */
import { headingOutOfBand, proposeForCycle, projectTrends } from '../../../src/domain/optimizer';
import type { KpiAnalysis, WindowAnalysis } from '../../../src/domain/types';
import { analysis, input, KPIS } from './optimizer-fixtures';

const entropy = KPIS.find((k) => k.name === 'selection_entropy')!; // band 2.0 .. 2.8
const NO_EXPLORATION = { maxChanges: 1, explore: false };

/** The fixture window with entropy at `mean`, trending by `slope` per hour (trend as the analysis would call it). */
function trending(mean: number, slope: number, trend: KpiAnalysis['trend']): WindowAnalysis {
  const a = analysis({ selection_entropy: mean });
  return { ...a, kpis: a.kpis.map((k) => (k.kpi === 'selection_entropy' ? { ...k, slopePerHour: slope, trend } : k)) };
}
const entropyOf = (w: WindowAnalysis): KpiAnalysis => w.kpis.find((k) => k.kpi === 'selection_entropy')!;

describe('a KPI heading out of its band (1.3)', () => {
  it('projects the level from the window middle to the horizon and names the side it leaves by', () => {
    // 2.1 falling 0.01/h: at the next cycle (12 h + 24 h later) 1.74, below the band's 2.0.
    expect(headingOutOfBand(entropyOf(trending(2.1, -0.01, 'falling')), entropy, 24, 24)).toEqual({
      position: 'below',
      level: expect.closeTo(1.74, 10),
    });
    // The same fall from 2.5 stays in the band; a flat or rising KPI is not heading below.
    expect(headingOutOfBand(entropyOf(trending(2.5, -0.01, 'falling')), entropy, 24, 24)).toBeNull();
    expect(headingOutOfBand(entropyOf(trending(2.1, -0.01, 'flat')), entropy, 24, 24)).toBeNull();
    expect(headingOutOfBand(entropyOf(trending(2.1, 0.01, 'rising')), entropy, 24, 24)).toBeNull();
    // Rising toward the top edge: 2.7 + 0.01 × 36 = 3.06 > 2.8.
    expect(headingOutOfBand(entropyOf(trending(2.7, 0.01, 'rising')), entropy, 24, 24)?.position).toBe('above');
  });

  it('leaves KPIs that stay inside untouched and keeps the measured mean beside the projection', () => {
    const w = trending(2.1, -0.01, 'falling');
    const p = projectTrends(w, KPIS, 24);
    expect(entropyOf(p)).toMatchObject({ position: 'below', projectedFrom: { mean: 2.1, horizonHours: 24 } });
    expect(p.kpis.filter((k) => k.kpi !== 'selection_entropy')).toEqual(w.kpis.filter((k) => k.kpi !== 'selection_entropy'));
    expect(projectTrends(w, KPIS, 0)).toBe(w);
  });

  it('the cycle corrects it before it leaves: the rule fires on the projection, with the trend in its rationale', () => {
    const r = proposeForCycle(input({ analysis: trending(2.1, -0.01, 'falling'), options: NO_EXPLORATION }));
    expect(r.changes[0]).toMatchObject({
      parameter: 'temperature',
      newValue: 0.6,
      rule: 'entropy_below_target',
      purpose: { kind: 'band', kpi: 'selection_entropy', direction: 1 },
    });
    expect(r.changes[0]!.rationale).toMatch(
      /heading below its band: 24 h mean 2\.1000, trend falling -0\.0100\/h projects 1\.7400 within 24 h/,
    );
    // Without the projection (horizon 0), or with a slower fall, nothing is out of band: no change.
    expect(
      proposeForCycle(input({ analysis: trending(2.1, -0.01, 'falling'), options: { ...NO_EXPLORATION, trendHorizonHours: 0 } })).changes,
    ).toEqual([]);
    expect(proposeForCycle(input({ analysis: trending(2.1, -0.001, 'falling'), options: NO_EXPLORATION })).changes).toEqual([]);
  });
});
