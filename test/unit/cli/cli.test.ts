import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { run } from '../../support/cli';
import { openRuntime } from '../../../src/runtime';
import { governorStatus, initialGovernorState } from '../../../src/domain/governor';
import { reportOutcome } from '../../../src/domain/governor';
import { governorSettings } from '../../../src/governor/settings';
import { loadConfig } from '../../../src/config/load';

const ROOT = join(__dirname, '../../..');
const DAY = 86_400_000;

/** A data dir with the example card; Temporal points at a closed port, so no governor can answer. */
function setup(patch: (raw: Record<string, any>) => void = () => undefined): { configPath: string; cardPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-cli-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  raw.temporal = { ...raw.temporal, address: '127.0.0.1:1' };
  patch(raw);
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  return { configPath, cardPath };
}

const stores = (configPath: string) => openRuntime(configPath, { logger: pino({ level: 'silent' }), env: {} });

describe('vvtvctl autopilot (9.1, 9.4)', () => {
  it('validate accepts the example card and refuses one outside the hard limits, naming the parameter (10.1)', async () => {
    const { configPath, cardPath } = setup();
    const ok = await run(['--config', configPath, 'autopilot', 'validate']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: /);
    writeFileSync(cardPath, readFileSync(cardPath, 'utf8').replace('temperature: 0.5', 'temperature: 1.9'));
    const bad = await run(['--config', configPath, '--json', 'autopilot', 'validate']);
    expect(bad.code).toBe(2);
    const body = JSON.parse(bad.out);
    expect(body.ok).toBe(false);
    expect(body.problems).toEqual(['temperature=1.9 is outside the sliding bounds [0.3, 1.5]']);
  });

  it('bounds --json exports each range with its width against the hard range and its adjustments (2.1)', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, '--json', 'autopilot', 'bounds']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out);
    expect(e.channel).toBe('main');
    const t = e.parameters.find((p: { parameter: string }) => p.parameter === 'temperature');
    expect(t).toMatchObject({ min: 0.3, max: 1.5, hardMin: 0.1, hardMax: 2, width: 1.2, hardWidth: 1.9 });
    expect(t.widthShareOfHard).toBeCloseTo(1.2 / 1.9, 6);
    expect(Array.isArray(e.adjustments)).toBe(true);
  });

  it("validate --card accepts a card in VVTV's schema (slot_hash, no top_k, unknown section) and names its refusals (10.1)", async () => {
    const { configPath } = setup();
    const card = join(ROOT, 'test/fixtures/cards/vvtv-style.yaml');
    const ok = await run(['--config', configPath, 'autopilot', 'validate', '--card', card]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: /);
    expect(ok.out).toContain('note: top_k: not tuned (selection.top_k is not in the card');
    const body = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'validate', '--card', card])).out);
    expect(body).toMatchObject({ ok: true, problems: [], kpis: { source: 'config' } });

    const bad = join(mkdtempSync(join(tmpdir(), 'vvtv-cli-')), 'card.yaml');
    writeFileSync(bad, readFileSync(card, 'utf8').replace('seed_strategy: slot_hash', 'seed_strategy: per_slot'));
    const refused = await run(['--config', configPath, 'autopilot', 'validate', '--card', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.err + refused.out).toMatch(/selection\.seed_strategy: /);
  });

  it('status shows the live card and the bounds, and says the pause state is unknown when the governor cannot be asked', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, '--json', 'autopilot', 'status']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.card.values).toEqual({ temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 });
    expect(s).toMatchObject({ mode: 'unknown', pause: null, governor: { state: 'unreachable' } });
    const text = await run(['--config', configPath, 'autopilot', 'status']);
    expect(text.out.split('\n')[0]).toMatch(/^channel main: state unknown; governor unreachable: cannot reach Temporal at 127\.0\.0\.1:1/);
    expect(text.out).not.toMatch(/: running/);
  });

  it('status shows a config emergency_pause as a pause even without the governor (9.1)', async () => {
    const { configPath } = setup((raw) => (raw.autopilot.emergency_pause = true));
    const s = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'status'])).out);
    expect(s).toMatchObject({ mode: 'paused', pause: { source: 'config', until: null }, config: { emergencyPause: true } });
  });

  it('report computes deployment success and rollback rate over the period, and the prediction error p50 (8.2, 4.3, 4.1)', async () => {
    const { configPath } = setup();
    const rt = stores(configPath);
    const now = Date.now();
    ['promoted', 'promoted', 'promoted', 'rolled_back', 'no_change'].forEach((outcome, i) =>
      rt.deps.cycleLog.save({
        cycle_id: `c${i}`,
        channel: 'main',
        started_at: new Date(now - (i + 1) * 3_600_000).toISOString(),
        status: 'completed',
        outcome: outcome as never,
        report: { trigger: 'schedule' },
      }),
    );
    rt.deps.cycleLog.save({
      cycle_id: 'old',
      channel: 'main',
      started_at: new Date(now - 40 * DAY).toISOString(),
      status: 'completed',
      outcome: 'rolled_back',
      report: { trigger: 'schedule' },
    });
    // Three errors within one UTC day (yesterday noon): the day's mean is the p50.
    const noon = Math.floor(now / DAY) * DAY - DAY / 2;
    [0.1, 0.3, 0.2].forEach((value, i) =>
      rt.deps.auditLog.record({
        channel: 'main',
        cycle_id: `e${i}`,
        at: new Date(noon + i * 60_000).toISOString(),
        kind: 'prediction_error',
        summary: `autopilot_pred_vs_real_error = ${value}`,
        payload: { value, per_kpi: {} },
      }),
    );
    // The gate's record: c0 and c3 ran canaries of changes the optimizer chose (forecasts 0.72 and
    // 0.9), c1's came from the rule table (no forecast), c2's is still running.
    const change = (pProceed?: number) => ({
      parameter: 'top_k',
      cardPath: 'selection.top_k',
      oldValue: 12,
      newValue: 14,
      changeType: 'Optimization',
      rule: pProceed === undefined ? 'entropy_below_target' : 'model_optimization',
      rationale: 'test',
      expectedImpact: {},
      confidence: 0.8,
      ...(pProceed === undefined ? {} : { prediction: { objectiveGain: 0.01, objectiveSd: 0.01, pProceed, evidence: 1 } }),
    });
    (
      [
        ['c0', 0.72, 'promoted'],
        ['c1', undefined, 'promoted'],
        ['c2', 0.95, null],
        ['c3', 0.9, 'rolled_back'],
      ] as const
    ).forEach(([cycleId, pProceed, end], i) => {
      const at = new Date(now - (i + 1) * 3_600_000).toISOString();
      const cycle = rt.deps.cycleLog.get(cycleId)!;
      rt.deps.cycleLog.save({ ...cycle, report: { ...cycle.report, proposals: [change(pProceed)] } as never });
      rt.deps.canaryLog.open({ canary_id: `k${i}`, channel: 'main', cycle_id: cycleId, started_at: at, traffic_percentage: 20 });
      if (end) rt.deps.canaryLog.close(`k${i}`, { status: end, at, verdict: null, decidedBy: 'test' });
    });
    rt.close();
    const r = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'report', '--days', '30'])).out);
    expect(r.gate).toEqual({ minProceedProbability: 0.7, canaries: 2, passed: 1, meanForecast: expect.closeTo(0.81, 10) });
    const text = await run(['--config', configPath, 'autopilot', 'report', '--days', '30']);
    expect(text.out).toContain(
      'the gate (a move needs a forecast P(its canary passes) ≥ 70%): 1 of the 2 finished canaries the optimizer chose passed, ' +
        'where its forecasts expected 1.6 (mean P(pass) 81%)',
    );
    expect(r).toMatchObject({
      cycles: 5,
      byOutcome: { promoted: 3, rolled_back: 1, no_change: 1 },
      deploymentSuccess: 0.75,
      rollbackRate: 0.25,
      predictionErrorP50: 0.2,
      predictionErrorDays: 1,
    });
    expect(r.governor.source).toBe('store');
  });

  it('report and drift-check give the governor’s p50 prediction error and rollback rates, not a raw median (4.1, 4.3)', async () => {
    const { configPath } = setup();
    const rt = stores(configPath);
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    // Three small errors two days ago, one large error yesterday: daily means 0.1 and 0.5.
    const reports = [
      { cycleId: 'a', outcome: 'promoted', at: today - 2 * DAY + 3_600_000, predictionError: 0.1 },
      { cycleId: 'b', outcome: 'promoted', at: today - 2 * DAY + 7_200_000, predictionError: 0.1 },
      { cycleId: 'c', outcome: 'rolled_back', at: today - 2 * DAY + 10_800_000, predictionError: 0.1 },
      { cycleId: 'd', outcome: 'promoted', at: today - DAY + 3_600_000, predictionError: 0.5 },
    ] as const;
    for (const x of reports) {
      const iso = new Date(x.at).toISOString();
      const started = new Date(x.at - 600_000).toISOString();
      rt.deps.cycleLog.save({
        cycle_id: x.cycleId,
        channel: 'main',
        started_at: started,
        finished_at: iso,
        status: 'completed',
        outcome: x.outcome,
        report: { trigger: 'schedule' },
      });
      rt.deps.auditLog.record({
        channel: 'main',
        cycle_id: x.cycleId,
        at: iso,
        kind: 'prediction_error',
        summary: `autopilot_pred_vs_real_error = ${x.predictionError}`,
        payload: { value: x.predictionError, per_kpi: {} },
      });
    }
    rt.close();
    // The governor's own computation over the same reports.
    const st = governorSettings(loadConfig(configPath, {}).config);
    const gov = initialGovernorState('main');
    for (const x of reports) reportOutcome(gov, { ...x, at: new Date(x.at).toISOString() }, now, st);
    const expected = governorStatus(gov, now, st).numbers;
    expect(expected.errorP50.p50).toBe(0.3);

    const report = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'report'])).out);
    const drift = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'drift-check'])).out);
    expect(report.predictionErrorP50).toBe(0.3);
    expect(drift.numbers.errorP50).toEqual(expected.errorP50);
    expect(report.governor.errorP50).toEqual(expected.errorP50);
    expect(drift.numbers.rollbackRate7d).toEqual(expected.rollbackRate7d);
    expect(report.governor.rollbackRate14d).toEqual(expected.rollbackRate14d);
    expect(expected.rollbackRate14d).toMatchObject({ rollbacks: 1, deployments: 4 });
  });

  it('validate names an unreadable card instead of crashing', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, 'autopilot', 'validate', '--card', '/nonexistent/card.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read the card: ENOENT');
  });
});
