/**
 * Issue 12, the overlay contract's optional paired tags: during a canary the simulated planner
 * computes both arms' selections from the shared slot seed and tags every row with
 * `paired_triggered`, `control_prediction` and `canary_prediction` (docs/vvtv-integration.md).
 */
import type { CanaryOverlay } from '../../../src/simulator';
import { vvtvMetricType } from '../../../src/domain/metric-names';
import { card, ctx, simulate } from './fixtures';

const AT = new Date('2025-06-01T00:00:00Z');
const overlayOf = (temperature: number, traffic_percentage = 0.2): CanaryOverlay => ({
  canary_id: 'k1',
  traffic_percentage,
  card: card({ temperature }),
  card_sha: 'canary-sha',
});

describe('paired overlay tags (issue 12)', () => {
  it('an overlay playing the live card triggers no slot, and control rows sit at their prediction plus noise', () => {
    const rows = simulate(card(), { overlay: overlayOf(0.5), noise: 0 }).sim.runSlots(400, AT);
    expect(rows.every((r) => ctx(r).paired_triggered === false)).toBe(true);
    // Noise 0: the value IS the control policy's noiseless value, in both arms (same selection).
    for (const m of ['selection_entropy', 'engagement_proxy', 'novelty_temporal_kld']) {
      const of = rows.filter((r) => r.metric_type === vvtvMetricType(m));
      expect(of.every((r) => Math.abs(r.value - (ctx(r).control_prediction as number)) < 1e-12)).toBe(true);
    }
  });

  it('a different temperature triggers a share of slots; untriggered canary rows equal what control would have aired', () => {
    const rows = simulate(card(), { overlay: overlayOf(0.52), noise: 0 }).sim.runSlots(2000, AT);
    const entropy = rows.filter((r) => r.metric_type === vvtvMetricType('selection_entropy'));
    const triggered = entropy.filter((r) => ctx(r).paired_triggered === true);
    expect(triggered.length / entropy.length).toBeGreaterThan(0.05);
    expect(triggered.length / entropy.length).toBeLessThan(0.95);
    const canary = entropy.filter((r) => ctx(r).group === 'canary');
    const untriggered = canary.filter((r) => ctx(r).paired_triggered === false);
    expect(untriggered.length).toBeGreaterThan(10);
    expect(untriggered.every((r) => Math.abs(r.value - (ctx(r).control_prediction as number)) < 1e-12)).toBe(true);
    // Some triggered canary rows aired something else than control would have.
    expect(canary.filter((r) => ctx(r).paired_triggered === true).some((r) => r.value !== ctx(r).control_prediction)).toBe(true);
    // Every row of a canary carries both tags, the curator's too.
    expect(rows.every((r) => typeof ctx(r).paired_triggered === 'boolean' && typeof ctx(r).control_prediction === 'number')).toBe(true);
  });

  it("canary_prediction is the candidate arm's noiseless value, on the rows of both groups", () => {
    const rows = simulate(card(), { overlay: overlayOf(0.6), noise: 0 }).sim.runSlots(1500, AT);
    expect(rows.every((r) => typeof ctx(r).canary_prediction === 'number')).toBe(true);
    for (const m of ['selection_entropy', 'engagement_proxy', 'novelty_temporal_kld']) {
      const of = rows.filter((r) => r.metric_type === vvtvMetricType(m));
      const canary = of.filter((r) => ctx(r).group === 'canary');
      const control = of.filter((r) => ctx(r).group === 'control');
      expect(canary.length).toBeGreaterThan(100);
      // Noise 0: each group's value is its own arm's prediction.
      expect(canary.every((r) => Math.abs(r.value - (ctx(r).canary_prediction as number)) < 1e-12)).toBe(true);
      expect(control.every((r) => Math.abs(r.value - (ctx(r).control_prediction as number)) < 1e-12)).toBe(true);
      // Untriggered: both arms air the same, the predictions are equal; triggered: some differ.
      expect(of.filter((r) => ctx(r).paired_triggered === false).every((r) => ctx(r).canary_prediction === ctx(r).control_prediction)).toBe(
        true,
      );
      expect(
        control.filter((r) => ctx(r).paired_triggered === true).some((r) => ctx(r).canary_prediction !== ctx(r).control_prediction),
      ).toBe(true);
    }
  });

  it('writes no paired tags outside a canary, with pairArms off, or for a planner that ignores the overlay', () => {
    expect(
      simulate(card())
        .sim.runSlots(50, AT)
        .every((r) => !('paired_triggered' in ctx(r))),
    ).toBe(true);
    const basic = simulate(card(), { overlay: overlayOf(0.6), pairArms: false }).sim.runSlots(200, AT);
    expect(
      basic.every(
        (r) =>
          ctx(r).group !== undefined &&
          !('paired_triggered' in ctx(r)) &&
          !('control_prediction' in ctx(r)) &&
          !('canary_prediction' in ctx(r)),
      ),
    ).toBe(true);
    const vvtv = simulate(card(), { overlay: overlayOf(0.6), honourOverlay: false }).sim.runSlots(200, AT);
    expect(vvtv.every((r) => !('paired_triggered' in ctx(r)))).toBe(true);
  });

  it('pairing does not change what is aired: the same values with and without the tags', () => {
    const a = simulate(card(), { overlay: overlayOf(0.6) }).sim.runSlots(300, AT);
    const b = simulate(card(), { overlay: overlayOf(0.6), pairArms: false }).sim.runSlots(300, AT);
    expect(a.map((r) => r.value)).toEqual(b.map((r) => r.value));
  });
});
