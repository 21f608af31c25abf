import { proposeForCycle } from '../../../src/domain/optimizer';
import { analysis, experiments, input, NOW } from './optimizer-fixtures';

const LOW_ENTROPY = analysis({ selection_entropy: 1.5 });
const NO_EXPLORATION = { maxChanges: 1, explore: false };

describe('what the daily cycle proposes (1.3, 1.4)', () => {
  it('lets the rule table steer on a cold start: no evidence and nothing the optimizer would try (1.3)', () => {
    const r = proposeForCycle(input({ analysis: LOW_ENTROPY, options: NO_EXPLORATION }));
    expect(r.optimizer.evidence).toBe(0);
    expect(r.optimizer.changes).toEqual([]);
    expect(r.source).toBe('rules (optimizer has no evidence yet)');
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({
      parameter: 'temperature',
      oldValue: 0.5,
      newValue: 0.6,
      rule: 'entropy_below_target',
      changeType: 'Correction',
    });
  });

  it('keeps the optimizer in charge once it has evidence, even when it proposes nothing', () => {
    const past = experiments('epsilon', 0.02, { engagement_proxy: -0.01, selection_entropy: 0 }, 3);
    const r = proposeForCycle(input({ analysis: LOW_ENTROPY, experiments: past, options: NO_EXPLORATION }));
    expect(r.optimizer.evidence).toBeGreaterThan(0);
    // Entropy is below its band, so the rules would move temperature; the optimizer, which has
    // seen canaries, finds no move likely to pass and says why.
    expect(r.source).toBe('none');
    expect(r.changes).toEqual([]);
    expect(r.optimizer.reason).toMatch(/canary unlikely to pass/);
  });

  it("scales the rules' step by the governor (drift mode, recovery ramp: 4.2)", () => {
    const r = proposeForCycle(input({ analysis: LOW_ENTROPY, options: { ...NO_EXPLORATION, stepScale: 0.5, correctionsOnly: true } }));
    expect(r.changes[0]).toMatchObject({ parameter: 'temperature', newValue: 0.55 });
  });

  it('holds the rules to an active operator override, and not to an expired one (9.3)', () => {
    const override = (hours: number) => [
      {
        parameter: 'temperature',
        min: 0.3,
        max: 0.5,
        reason: 'test',
        expiresAt: new Date(Date.parse(NOW) + hours * 3_600_000).toISOString(),
      },
    ];
    const held = proposeForCycle(input({ analysis: LOW_ENTROPY, overrides: override(2), options: NO_EXPLORATION }));
    expect(held.changes.map((c) => c.parameter)).not.toContain('temperature');
    expect(held.changes[0]).toMatchObject({ parameter: 'top_k', newValue: 9 });
    const expired = proposeForCycle(input({ analysis: LOW_ENTROPY, overrides: override(-2), options: NO_EXPLORATION }));
    expect(expired.changes[0]).toMatchObject({ parameter: 'temperature', newValue: 0.6 });
  });

  it('proposes nothing from bad data, rules included (1.3)', () => {
    const r = proposeForCycle(input({ analysis: analysis({ selection_entropy: 1.5 }, false), options: NO_EXPLORATION }));
    expect(r.changes).toEqual([]);
    expect(r.source).toBe('none');
  });
});
