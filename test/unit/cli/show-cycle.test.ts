import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { run } from '../../support/cli';
import { openRuntime } from '../../../src/runtime';
import type { CanaryVerdict, KpiEvidence, VerdictRule } from '../../../src/domain/types';

const ROOT = join(__dirname, '../../..');

const kpi = (
  name: string,
  role: 'primary' | 'guardrail',
  relDiff: number,
  ci: [number, number],
  classification: KpiEvidence['classification'],
): KpiEvidence => ({
  kpi: name,
  goal: 'maximize',
  role,
  control: { n: 2423, mean: 0.3485, sd: 0.1 },
  canary: { n: 600, mean: 0.3485 * (1 + relDiff), sd: 0.1 },
  diff: 0.3485 * relDiff,
  relDiff,
  relCI: ci,
  t: 3,
  df: 900,
  pValue: 0.0000634,
  adjustedP: 0.000127,
  classification,
});
const verdict = (decision: CanaryVerdict['decision'], rule: VerdictRule, primary: KpiEvidence, final: boolean): CanaryVerdict => ({
  decision,
  rule,
  reason: `${rule} fired`,
  confidenceLevel: 0.95,
  nonInferiorityMargin: 0.02,
  final,
  method: final ? 'welch_fixed_horizon' : 'confidence_sequence',
  kpis: [primary, kpi('selection_entropy', 'guardrail', -0.004, [-0.02, 0.012], 'NonInferior')],
});

/** A finished cycle whose canary checked twice (Inconclusive, then Proceed), stored as the workflows store it. */
function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-show-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  raw.temporal = { ...raw.temporal, address: '127.0.0.1:1' };
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  mkdirSync(join(dir, 'data/cards/main'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), join(dir, 'data/cards/main/business_logic.yaml'));
  const rt = openRuntime(configPath, { logger: pino({ level: 'silent' }), env: {} });
  const first = verdict(
    'Inconclusive',
    'continue_monitoring',
    kpi('engagement_proxy', 'primary', 0.04, [-0.01, 0.09], 'Inconclusive'),
    false,
  );
  const last = {
    ...verdict('Proceed', 'primary_improved', kpi('engagement_proxy', 'primary', 0.1011, [0.051, 0.152], 'Improved'), true),
    stage: 2,
    maxStages: 4,
    purpose: { kind: 'band', kpi: 'selection_entropy', direction: 1 },
  } as const;
  const canary = {
    canaryId: 'canary/main/x',
    outcome: 'promoted',
    decision: 'Proceed',
    decidedBy: 'judge',
    rule: 'primary_improved',
    checks: 2,
  } as const;
  rt.deps.cycleLog.save({
    cycle_id: 'autopilot-cycle/main/x',
    channel: 'main',
    started_at: '2026-01-01T03:00:00.000Z',
    finished_at: '2026-01-01T04:02:00.000Z',
    status: 'completed',
    outcome: 'promoted',
    canary_id: 'canary/main/x',
    report: {
      trigger: 'schedule',
      canary,
      optimizer: {
        reason: null,
        evidence: 2,
        skipped: [],
        candidates: [],
        canaryVariance: {
          share: { engagement_proxy: 0.0812 },
          basis: {
            engagement_proxy: [
              { id: 'c2', reduction: 0.9188 },
              { id: 'c1', reduction: 0.95 },
            ],
          },
        },
      },
    },
  });
  rt.deps.canaryLog.open({
    canary_id: 'canary/main/x',
    channel: 'main',
    cycle_id: 'autopilot-cycle/main/x',
    started_at: '2026-01-01T03:01:00.000Z',
    traffic_percentage: 0.2,
  });
  rt.deps.canaryLog.appendCheck('canary/main/x', { ...first, checkIndex: 1, at: '2026-01-01T03:31:00.000Z' });
  rt.deps.canaryLog.appendCheck('canary/main/x', { ...last, checkIndex: 2, at: '2026-01-01T04:01:00.000Z' });
  rt.deps.canaryLog.close('canary/main/x', { status: 'promoted', at: '2026-01-01T04:01:00.000Z', verdict: last, decidedBy: 'judge' });
  rt.deps.auditLog.record({
    channel: 'main',
    cycle_id: 'autopilot-cycle/main/x',
    at: '2026-01-01T04:01:30.000Z',
    kind: 'canary_verdict',
    summary: 'canary promoted',
    payload: {},
  });
  rt.close();
  return configPath;
}

describe('vvtvctl autopilot show-cycle (8.4)', () => {
  it('prints the per-KPI verdict table: KPI, role, control and canary mean/n, Δ% with CI, p, classification', async () => {
    const r = await run(['--config', setup(), 'autopilot', 'show-cycle', 'autopilot-cycle/main/x']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('verdict: Proceed by rule primary_improved, decided by judge (welch_fixed_horizon, 95% confidence)');
    expect(r.out).toContain('stopped at stage 2 of 4; judged on its purpose: band of selection_entropy');
    // What the optimizer assumed of the canary's variance when it proposed (issue 12).
    expect(r.out).toContain(
      "canary forecast: the raw variance times what recent canaries' judges left: engagement_proxy ×0.08 (canaries c2, c1)",
    );
    const lines = r.out.split('\n');
    const header = lines.findIndex((l) => /^KPI +ROLE +CONTROL +CANARY +Δ \[CI\] +P +ADJ P +CLASS$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1].split(/ {2,}/)).toEqual([
      'engagement_proxy',
      'primary',
      '0.3485 (n=2423)',
      '0.3837 (n=600)',
      '+10.11% [5.1% .. 15.2%]',
      '6.34e-5',
      '1.27e-4',
      'Improved',
    ]);
    expect(lines[header + 2]).toMatch(/^selection_entropy +guardrail .* -0\.40% \[-2\.0% \.\. 1\.2%\] .* NonInferior$/);
  });

  it('prints the canary’s checks in order with decision/rule and the primary Δ with its interval', async () => {
    const r = await run(['--config', setup(), 'autopilot', 'show-cycle', 'autopilot-cycle/main/x']);
    const lines = r.out.split('\n');
    const header = lines.findIndex((l) => /^TIME +CHECK +DECISION +PRIMARY Δ \[CI\]$/.test(l));
    expect(lines[header + 1].split(/ {2,}/)).toEqual([
      '2026-01-01T03:31:00.000Z',
      '1',
      'Inconclusive/continue_monitoring',
      'engagement_proxy +4.00% [-1.0% .. 9.0%]',
    ]);
    expect(lines[header + 2].split(/ {2,}/)).toEqual([
      '2026-01-01T04:01:00.000Z',
      '2 (final)',
      'Proceed/primary_improved',
      'engagement_proxy +10.11% [5.1% .. 15.2%]',
    ]);
  });

  it('--json keeps the raw records', async () => {
    const r = JSON.parse((await run(['--config', setup(), '--json', 'autopilot', 'show-cycle', 'autopilot-cycle/main/x'])).out);
    expect(r.cycle.cycle_id).toBe('autopilot-cycle/main/x');
    expect(r.canary.checks.map((c: { checkIndex: number; rule: string }) => [c.checkIndex, c.rule])).toEqual([
      [1, 'continue_monitoring'],
      [2, 'primary_improved'],
    ]);
    expect(r.decisions.map((d: { kind: string }) => d.kind)).toEqual(['canary_verdict']);
  });

  it('names a cycle the store does not have (exit 1)', async () => {
    const r = await run(['--config', setup(), 'autopilot', 'show-cycle', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('vvtvctl: no cycle nope in the state store\n');
  });
});
