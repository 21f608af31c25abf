import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseCard } from '../../../src/adapters/card-store';
import { cardTerms } from '../../../src/config/card-terms';
import { parseConfig } from '../../../src/config/load';
import { requestedChanges } from '../../../src/domain/cycle';

const ROOT = join(__dirname, '../../..');
const VVTV_STYLE = readFileSync(join(__dirname, '../../fixtures/cards/vvtv-style.yaml'), 'utf8');
/** The default config as YAML reads it: the parts these tests edit. */
interface RawConfig {
  parameters: Array<{ name: string; value_when_absent?: number }>;
  kpis?: unknown;
}
const CONFIG: RawConfig = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));

function config(patch: (raw: RawConfig) => void = () => undefined) {
  const raw = structuredClone(CONFIG);
  patch(raw);
  return parseConfig(YAML.stringify(raw), 'autopilot.yaml');
}

function terms(cardYaml: string, patch?: (raw: RawConfig) => void) {
  const { card, doc } = parseCard(cardYaml, 'card');
  return cardTerms(config(patch), card, doc.toJS());
}

const param = (raw: RawConfig, name: string) => raw.parameters.find((p) => p.name === name)!;

describe('what the card decides for a cycle (10.1)', () => {
  it('skips a parameter whose field is absent when the config gives no value_when_absent: recorded, not an error', () => {
    const { terms: t, problems } = terms(VVTV_STYLE);
    expect(problems).toEqual([]);
    expect(t.values).toEqual({ temperature: 0.5, plan_selection_bias: 0, epsilon: 0.04 });
    expect(t.skipped).toEqual([
      {
        parameter: 'top_k',
        cardPath: 'selection.top_k',
        reason: 'selection.top_k is not in the card and parameters.top_k has no value_when_absent',
      },
    ]);
    const r = requestedChanges([{ parameter: 'top_k', value: 9 }], [], t.values, 'test', t.skipped);
    expect(r.errors).toEqual([`changes.top_k: not tuned this cycle (${t.skipped[0]!.reason})`]);
  });

  it("tunes an absent field from value_when_absent (top_k: the planner's batch size)", () => {
    const { terms: t, problems } = terms(VVTV_STYLE, (raw) => (param(raw, 'top_k').value_when_absent = 12));
    expect(problems).toEqual([]);
    expect(t.values.top_k).toBe(12);
    expect(t.fromAbsent).toEqual(['top_k']);
    expect(t.skipped).toEqual([]);
  });

  it('refuses a value_when_absent that contradicts the value VVTV itself uses for the absent field', () => {
    const noExploration = VVTV_STYLE.replace(/^exploration:\n {2}epsilon: 0.04\n/m, '');
    const { problems } = terms(noExploration, (raw) => (param(raw, 'epsilon').value_when_absent = 0.1));
    expect(problems).toEqual(['exploration.epsilon: absent, so VVTV uses 0, but parameters.epsilon.value_when_absent says 0.1']);
    expect(terms(noExploration, (raw) => (param(raw, 'epsilon').value_when_absent = 0)).problems).toEqual([]);
  });

  it('refuses a value_when_absent outside the hard limits', () => {
    expect(() => config((raw) => (param(raw, 'top_k').value_when_absent = 99))).toThrow(/parameters\[1\]\.value_when_absent/);
  });

  it("takes the card's KPIs when the config names none: primary, and secondary as guardrails", () => {
    const { terms: t, problems } = terms(VVTV_STYLE, (raw) => delete raw.kpis);
    expect(problems).toEqual([]);
    expect(t.kpiSource).toBe('card');
    expect(t.kpis).toEqual([
      { name: 'selection_entropy', goal: 'maximize', role: 'primary', weight: 1, tolerance: 0 },
      { name: 'curator_apply_budget_used_pct', goal: 'minimize', role: 'guardrail', weight: 0.5, tolerance: 0.1 },
    ]);
    const configKpis = terms(VVTV_STYLE);
    expect(configKpis.terms.kpiSource).toBe('config');
    expect(configKpis.terms.kpis.map((k) => k.name)).toContain('engagement_proxy');
  });

  it('needs a primary KPI from somewhere', () => {
    const noPrimary = VVTV_STYLE.replace('  primary:\n    - "selection_entropy"\n', '');
    expect(terms(noPrimary, (raw) => delete raw.kpis).problems).toEqual([
      'kpis.primary: expected at least one KPI, since the config names no kpis of its own',
    ]);
  });

  it('accepts a config without kpis; its rules may then name KPIs the card will list', () => {
    const c = config((raw) => delete raw.kpis);
    expect(c.kpis).toBeUndefined();
    expect(c.planner.selection_batch_size).toBe(12);
  });
});
