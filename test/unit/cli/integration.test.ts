import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { run } from '../../support/cli';
import { cardSource, openRuntime } from '../../../src/runtime';
import { storePath } from '../../../src/config/load';
import { VvtvMetricsWriter } from '../../../src/adapters/metrics-store';
import { Simulator } from '../../../src/simulator';
import { parseGoldenSet } from '../../../src/golden/load';

const ROOT = join(__dirname, '../../..');
const ENGINE = join(ROOT, 'test/fixtures/golden-engine.js');

function setup(patch: (raw: Record<string, any>) => void = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-integration-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  raw.temporal = { ...raw.temporal, address: '127.0.0.1:1' };
  patch(raw);
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  const rt = openRuntime(configPath, { logger: pino({ level: 'silent' }), env: {} });
  const config = rt.live.get();
  const writer = new VvtvMetricsWriter(storePath(config, config.stores.metrics_db, 'main'));
  const sim = (honourOverlay = true, pairArms = true) =>
    new Simulator({ channel: 'main', seed: 3, source: cardSource(rt.deps.cards('main')), sink: writer, honourOverlay, pairArms });
  return { dir, configPath, rt, writer, sim };
}

const checksOf = (out: string) =>
  Object.fromEntries((JSON.parse(out).checks as Array<{ check: string; status: string }>).map((c) => [c.check, c.status]));

describe('vvtvctl autopilot check-integration (10.x)', () => {
  it('passes on a planner writing VVTV rows for the live card, and says what is missing when it does not', async () => {
    const s = setup();
    const none = await run(['--config', s.configPath, '--json', 'autopilot', 'check-integration']);
    expect(none.code).toBe(1);
    expect(checksOf(none.out)).toMatchObject({ card: 'pass', 'rows of engagement_proxy': 'fail' });

    s.sim().runSlots(200, new Date());
    const ok = await run(['--config', s.configPath, '--json', 'autopilot', 'check-integration']);
    expect(ok.code).toBe(0);
    expect(checksOf(ok.out)).toMatchObject({
      'metrics database': 'pass',
      'rows of engagement_proxy': 'pass',
      'rows of selection_entropy': 'pass',
      timestamps: 'pass',
      contexts: 'pass',
      'planner plays the live card': 'pass',
      'overlay contract': 'warn',
    });

    // Rows stamped with `Z` (not VVTV's form), and a planner playing another temperature.
    s.writer.insert([
      { timestamp: new Date().toISOString(), metric_type: 'selectionentropy', value: 2, context: { temperature: 1.3, top_k: 8 } },
    ]);
    const off = await run(['--config', s.configPath, '--json', 'autopilot', 'check-integration']);
    expect(off.code).toBe(1);
    expect(checksOf(off.out)).toMatchObject({ timestamps: 'warn', 'planner plays the live card': 'fail' });
    s.rt.close();
  });

  it('probes the overlay contract: a tagging planner passes, an unmodified one fails, the overlay is gone after', async () => {
    // A planner that also pairs the arms passes the optional paired check; one that only tags gets a warning.
    for (const [honour, pair] of [
      [true, true],
      [true, false],
      [false, false],
    ] as const) {
      const s = setup();
      const sim = s.sim(honour, pair);
      sim.runSlots(50, new Date());
      sim.start(200);
      const r = await run(['--config', s.configPath, '--json', 'autopilot', 'check-integration', '--probe', '--probe-seconds', '1.5']);
      sim.stop();
      expect(checksOf(r.out)['overlay contract']).toBe(honour ? 'pass' : 'fail');
      if (honour) expect(checksOf(r.out)['paired overlay (optional)']).toBe(pair ? 'pass' : 'warn');
      expect(r.code).toBe(honour ? 0 : 1);
      expect(existsSync(s.rt.deps.cards('main').overlayPath)).toBe(false);
      s.rt.close();
    }
  });

  it('in switchback mode asks for a reload command instead of probing', async () => {
    const s = setup((raw) => (raw.canary.mode = 'switchback'));
    s.sim().runSlots(100, new Date());
    const r = await run(['--config', s.configPath, '--json', 'autopilot', 'check-integration']);
    expect(checksOf(r.out)).toMatchObject({ switchback: 'warn' });
    expect(checksOf(r.out)).not.toHaveProperty('overlay contract');
    s.rt.close();
  });
});

describe('vvtvctl autopilot golden record (6.x, 10.x)', () => {
  const set = join(ROOT, 'config/golden/default.yaml');

  it('writes the engine’s own orders as the expectations, deterministically, and refuses to overwrite without --force', async () => {
    const s = setup(
      (raw) => (raw.golden = { ...raw.golden, external_engine: { command: `node ${ENGINE} ignore-penalty`, version: 'p1' } }),
    );
    const out = join(s.dir, 'recorded.yaml');
    const r = await run(['--config', s.configPath, '--json', 'autopilot', 'golden', 'record', '--set', set, '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.changed.length).toBeGreaterThan(0);
    const recorded = parseGoldenSet(readFileSync(out, 'utf8'), out);
    const original = parseGoldenSet(readFileSync(set, 'utf8'), set);
    expect(recorded.cases.map((c) => c.name)).toEqual(original.cases.map((c) => c.name));
    expect(readFileSync(out, 'utf8')).toMatch(/^# RECORDED expectations[^]*\(version p1\)/);

    const again = await run(['--config', s.configPath, 'autopilot', 'golden', 'record', '--set', set, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out is invalid:\s+- \S+recorded\.yaml exists: pass --force/);
    const forced = await run(['--config', s.configPath, 'autopilot', 'golden', 'record', '--set', set, '--out', out, '--force']);
    expect(forced.code).toBe(0);
    const second = parseGoldenSet(readFileSync(out, 'utf8'), out);
    expect(second.cases.map((c) => c.expected_order)).toEqual(recorded.cases.map((c) => c.expected_order));
    s.rt.close();
  });

  it('refuses without an external engine, naming the setting', async () => {
    const s = setup();
    const r = await run(['--config', s.configPath, 'autopilot', 'golden', 'record', '--out', join(s.dir, 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/golden\.external_engine/);
    expect(existsSync(join(s.dir, 'x.yaml'))).toBe(false);
    s.rt.close();
  });
});
