import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { run } from '../../support/cli';

const ROOT = join(__dirname, '../../..');

function setup(): { configPath: string; cardPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-cli-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  return { configPath, cardPath };
}

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

  it('status shows the live card values and the bounds', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, '--json', 'autopilot', 'status']);
    const s = JSON.parse(r.out);
    expect(s.card.values).toEqual({ temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 });
    expect(s.paused).toBeNull();
  });

  it('report computes deployment success, rollback rate and the prediction error p50 over the period (8.2, 4.3, 4.1)', async () => {
    const { configPath } = setup();
    const { openRuntime } = await import('../../../src/runtime');
    const rt = openRuntime(configPath, { logger: require('pino')({ level: 'silent' }), env: {} });
    const now = Date.now();
    ['promoted', 'promoted', 'promoted', 'rolled_back', 'no_change'].forEach((outcome, i) =>
      rt.deps.cycleLog.save({ cycle_id: `c${i}`, channel: 'main', started_at: new Date(now - (i + 1) * 3_600_000).toISOString(), status: 'completed', outcome: outcome as never, report: { trigger: 'schedule' } }),
    );
    rt.deps.cycleLog.save({ cycle_id: 'old', channel: 'main', started_at: new Date(now - 40 * 86_400_000).toISOString(), status: 'completed', outcome: 'rolled_back', report: { trigger: 'schedule' } });
    rt.deps.metrics.insert([0.1, 0.3, 0.2].map((v, i) => ({ timestamp: new Date(now - i * 60_000).toISOString(), metric_type: 'autopilot_pred_vs_real_error', value: v, context: { channel: 'main' } })));
    rt.close();
    const r = JSON.parse((await run(['--config', configPath, '--json', 'autopilot', 'report', '--days', '30'])).out);
    expect(r).toMatchObject({ cycles: 5, byOutcome: { promoted: 3, rolled_back: 1, no_change: 1 }, deploymentSuccess: 0.75, rollbackRate: 0.25, predictionErrorP50: 0.2, predictionErrors: 3 });
  });

  it('validate names an unreadable card instead of crashing', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, 'autopilot', 'validate', '--card', '/nonexistent/card.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read the card: ENOENT');
  });
});
