import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ValidationError } from '../../../src/config/errors';
import { parseConfig } from '../../../src/config/load';
import { DEFAULT_RULES } from '../../../src/config/rules';
import { optimizerOptionsOf } from '../../../src/config/schema';
import { initialBounds } from '../../../src/domain/bounds';
import { proposeChanges } from '../../../src/domain/optimizer/rules';
import { analysis, KPIS, PARAMS, CURRENT } from '../domain/optimizer-fixtures';

const DEFAULT = readFileSync(join(__dirname, '../../../config/autopilot.yaml'), 'utf8');
const withPatch = (patch: (raw: any) => void) => {
  const raw = YAML.parse(DEFAULT);
  patch(raw);
  return YAML.stringify(raw);
};
const problems = (text: string): string[] => {
  try {
    parseConfig(text, 'autopilot.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
};

describe('the rule table in the config (1.3)', () => {
  it("ships today's rules in config/autopilot.yaml, the same table as the default", () => {
    expect(optimizerOptionsOf(parseConfig(DEFAULT, 'default').optimizer).rules).toEqual(DEFAULT_RULES);
  });

  it('falls back to the default table when the config leaves it out, even for a config declaring fewer parameters', () => {
    const c = parseConfig(
      withPatch((r) => ((r.parameters = r.parameters.slice(0, 1)), delete r.optimizer.rules)),
      'x',
    );
    expect(optimizerOptionsOf(c.optimizer).rules).toBe(DEFAULT_RULES);
  });

  it('names the field of a rule that moves an unknown parameter or reacts to an unknown KPI', () => {
    expect(problems(withPatch((r) => (r.optimizer.rules[3].parameter = 'temprature')))).toEqual([
      'optimizer.rules[3].parameter: expected one of the parameters (temperature, top_k, plan_selection_bias, epsilon), got temprature',
    ]);
    expect(problems(withPatch((r) => (r.optimizer.rules[0].kpi = 'entropy')))[0]).toMatch(
      /^optimizer\.rules\[0\]\.kpi: expected one of the kpis \(.*\), got entropy$/,
    );
  });

  it('refuses a bad direction, an unknown key and a duplicate name, naming the field', () => {
    expect(problems(withPatch((r) => (r.optimizer.rules[1].direction = 2)))).toEqual([
      'optimizer.rules[1].direction: expected 1 (up) or -1 (down)',
    ]);
    expect(problems(withPatch((r) => (r.optimizer.rules[1].when = 'within')))[0]).toMatch(/^optimizer\.rules\[1\]\.when: /);
    expect(problems(withPatch((r) => (r.optimizer.rules[2].expectedImpact = {})))[0]).toMatch(/^optimizer\.rules\[2\]: .*expectedImpact/);
    expect(problems(withPatch((r) => (r.optimizer.rules[2].name = r.optimizer.rules[0].name)))).toEqual([
      'optimizer.rules[2].name: duplicate rule name entropy_below_target',
    ]);
  });

  it('steers the cold-start proposer by the configured rules, not by built-in parameter names', () => {
    const c = parseConfig(
      withPatch(
        (r) =>
          (r.optimizer.rules = [
            {
              name: 'entropy_low_epsilon',
              kpi: 'selection_entropy',
              when: 'below',
              parameter: 'epsilon',
              direction: 1,
              rationale: 'more random picks',
              expected_impact: { selection_entropy: 0.02 },
            },
          ]),
      ),
      'x',
    );
    const changes = proposeChanges({
      analysis: analysis({ selection_entropy: 1.5 }),
      kpis: KPIS,
      params: PARAMS,
      current: CURRENT,
      bounds: PARAMS.map((p) => initialBounds(p, '2025-01-01T00:00:00.000Z')),
      maxChanges: 1,
      rules: optimizerOptionsOf(c.optimizer).rules,
    });
    expect(changes).toEqual([
      expect.objectContaining({ parameter: 'epsilon', oldValue: 0.04, newValue: 0.06, rule: 'entropy_low_epsilon' }),
    ]);
  });
  describe('two changes a cycle: which rules go together', () => {
    // Entropy below its band (severity 0.25) and the curator's budget above its own (0.5).
    const ctx = (jointMoves?: 'all' | 'compensating') => ({
      analysis: analysis({ selection_entropy: 1.5, curator_apply_budget_used_pct: 90 }),
      kpis: KPIS,
      params: PARAMS,
      current: CURRENT,
      bounds: PARAMS.map((p) => initialBounds(p, '2025-01-01T00:00:00.000Z')),
      maxChanges: 2,
      rules: DEFAULT_RULES,
      ...(jointMoves ? { jointMoves } : {}),
    });
    const moves = (changes: ReturnType<typeof proposeChanges>) =>
      changes.map((c) => `${c.parameter} ${c.oldValue}→${c.newValue} ${c.rule}`);

    it("'all': the two most severe rules, both lowering entropy further below its band", () => {
      expect(moves(proposeChanges(ctx()))).toEqual(['temperature 0.5→0.4 curator_budget_high', 'top_k 8→7 curator_budget_high_top_k']);
    });

    it("'compensating': the curator's correction with the entropy one pulling the other way (the ridge)", () => {
      // top_k down (and epsilon down) would push entropy down twice; top_k up pulls entropy and
      // the budget back against temperature down, each less than temperature's own pull.
      expect(moves(proposeChanges(ctx('compensating')))).toEqual([
        'temperature 0.5→0.4 curator_budget_high',
        'top_k 8→9 entropy_below_target_top_k',
      ]);
    });

    it("'compensating' with only one band out: one change, since the band's corrections all push the same way", () => {
      const low = { ...ctx('compensating'), analysis: analysis({ selection_entropy: 1.5 }) };
      expect(moves(proposeChanges(low))).toEqual(['temperature 0.5→0.6 entropy_below_target']);
      expect(proposeChanges({ ...low, jointMoves: 'all' })).toHaveLength(2);
    });
  });
});
