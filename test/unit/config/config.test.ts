import { mkdtempSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseConfig, loadConfig } from '../../../src/config/load';
import { ValidationError } from '../../../src/config/errors';
import { optimizerOptionsOf, replaySettingsOf } from '../../../src/config/schema';
import { DEFAULT_RULES } from '../../../src/config/rules';
import { LiveConfig } from '../../../src/config/live';

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

describe('autopilot config (1.1, 1.5, 10.1)', () => {
  it('loads the shipped default with the requirement numbers in force', () => {
    const c = parseConfig(DEFAULT, 'default');
    expect(c.autopilot.schedule).toEqual({ hour: 3, minute: 0, spread_minutes: 0 });
    expect(c.canary).toMatchObject({ traffic_percentage: 0.2, duration_minutes: 60, confidence_level: 0.95 });
    expect(c.parameters.find((p) => p.name === 'temperature')).toMatchObject({ hard_min: 0.1, hard_max: 2.0 });
    expect(c.parameters.find((p) => p.name === 'plan_selection_bias')?.max_daily_delta).toBe(0.05);
    expect(c.incident_triage.schedule).toEqual({ day_of_week: 'SUNDAY', hour: 2, minute: 0 });
  });

  it('names the field and what was expected for a bad value', () => {
    expect(problems(withPatch((r) => (r.canary.traffic_percentage = 0.8)))).toEqual([
      'canary.traffic_percentage: expected a number in (0, 0.5]',
    ]);
    expect(problems(withPatch((r) => (r.parameters[0].hard_min = 'low')))[0]).toMatch(/^parameters\[0\]\.hard_min: /);
    expect(problems(withPatch((r) => (r.sliding_bounds.max_weekly_expansion = 0.2)))).toEqual([
      'sliding_bounds.max_weekly_expansion: expected at most 0.05 (5% a week, requirement 2.2)',
    ]);
  });

  it("reads the optimizer section into the optimizer's options, and names a bad value (1.4)", () => {
    const c = parseConfig(
      withPatch((r) => ((r.optimizer.explore = true), (r.optimizer.min_proceed_probability = 0.85))),
      'x',
    );
    expect(optimizerOptionsOf(c.optimizer)).toMatchObject({
      explore: true,
      minProceedProbability: 0.85,
      minSafeProbability: 0.7,
      trustRadiusSteps: 3,
    });
    expect(problems(withPatch((r) => (r.optimizer.min_proceed_probability = 1.5)))[0]).toMatch(/^optimizer\.min_proceed_probability: /);
    expect(problems(withPatch((r) => (r.optimizer.trust_radius_steps = 0)))[0]).toMatch(/^optimizer\.trust_radius_steps: /);
    expect(problems(withPatch((r) => (r.optimizer.band_purposes = 'yes')))[0]).toMatch(/^optimizer\.band_purposes: /);
    expect(
      optimizerOptionsOf(
        parseConfig(
          withPatch((r) => (r.optimizer.band_purposes = false)),
          'x',
        ).optimizer,
      ).bandPurposes,
    ).toBe(false);
    // A config written before the section existed gets the measured defaults.
    const old = parseConfig(
      withPatch((r) => delete r.optimizer),
      'x',
    );
    expect(optimizerOptionsOf(old.optimizer)).toEqual({
      explore: false,
      minProceedProbability: 0.7,
      minGain: 0.005,
      minSafeProbability: 0.7,
      rollbackCost: 0.01,
      explorationCooldownDays: 7,
      trustRadiusSteps: 3,
      forecastVarianceReduction: true,
      bandPurposes: true,
      halfLifeDays: 14,
      localitySteps: 3,
      curvatureSteps: 2,
      interactionSteps: 1,
      misfitSd: 0.003,
      jointMoves: 'compensating',
      rules: DEFAULT_RULES,
    });
    expect(problems(withPatch((r) => (r.optimizer.joint_candidates = 'ridge')))[0]).toMatch(/^optimizer\.joint_candidates: /);
    // Values other than the shipped ones (compensating, 0.003, 0.25), so each must come through the config.
    const patched = parseConfig(
      withPatch((r) => {
        r.optimizer.joint_candidates = 'all';
        r.optimizer.misfit_sd = 0.01;
        r.optimizer.replay = { ...r.optimizer.replay, ips_bias_feature: 0.5 };
      }),
      'x',
    );
    expect(optimizerOptionsOf(patched.optimizer).jointMoves).toBe('all');
    expect(optimizerOptionsOf(patched.optimizer).misfitSd).toBe(0.01);
    expect(problems(withPatch((r) => (r.optimizer.misfit_sd = 0)))[0]).toMatch(/^optimizer\.misfit_sd: /);
    expect(replaySettingsOf(patched.optimizer).ipsBiasFeature).toBe(0.5);
    expect(problems(withPatch((r) => (r.optimizer.replay = { ...r.optimizer.replay, ips_bias_feature: -1 })))[0]).toMatch(
      /^optimizer\.replay\.ips_bias_feature: /,
    );
  });

  it('refuses a switchback plan that could never reach the judge, and several channels sharing one metrics database unnamed', () => {
    const switchback = (sb: Record<string, unknown>) =>
      withPatch((r) => {
        r.canary.mode = 'switchback';
        r.canary.switchback = { ...r.canary.switchback, ...sb };
      });
    // 60 min of 5-min blocks at share 0.2: 12 blocks, 2 on the candidate, fewer than the judge's 3.
    expect(problems(switchback({ share: 0.2 }))).toEqual([
      'canary.switchback.block_minutes: expected a plan with at least min_blocks_per_arm (3) candidate blocks: ' +
        '12 blocks of 5 min at share 0.2 give 2 (shorter blocks, a larger share or a longer canary.duration_minutes)',
    ]);
    expect(parseConfig(switchback({ share: 0.2, block_minutes: 3 }), 'ok').canary.switchback.share).toBe(0.2);
    expect(problems(switchback({ washout_minutes: 5 }))).toEqual([
      'canary.switchback.washout_minutes: expected washout_minutes < block_minutes',
    ]);
    expect(
      problems(
        withPatch((r) => {
          r.channels = ['a', 'b'];
          r.stores.metrics_db = 'metrics.sqlite';
        }),
      ),
    ).toEqual([
      'stores.metrics_db: several channels share metrics.sqlite: put {channel} in the path (one database per channel)' +
        ' or set stores.metrics_channel_key',
    ]);
  });

  it('refuses unknown keys so that typos do not pass silently', () => {
    expect(problems(withPatch((r) => (r.canary.trafic_percentage = 0.2)))[0]).toMatch(/^canary: .*trafic_percentage/);
  });

  it('refuses a parameter whose hard limits are inverted and a KPI list without a primary', () => {
    expect(
      problems(
        withPatch(
          (r) => ((r.parameters[0].hard_min = 3), (r.parameters[0].initial_min = undefined), (r.parameters[0].initial_max = undefined)),
        ),
      ),
    ).toContain('parameters[0].hard_max: hard_min must be below hard_max');
    expect(problems(withPatch((r) => r.kpis.forEach((k: any) => (k.role = 'guardrail'))))).toEqual([
      'kpis: expected at least one primary KPI',
    ]);
  });

  it('applies environment overrides for the Temporal connection', () => {
    const c = parseConfig(DEFAULT, 'x', { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'vvtv', VVTV_DATA_DIR: '/var/lib/vvtv' });
    expect(c.temporal.address).toBe('temporal:7233');
    expect(c.temporal.namespace).toBe('vvtv');
    expect(c.data_dir).toBe('/var/lib/vvtv');
  });

  it('reports a YAML syntax error and an unreadable file as ValidationError', () => {
    expect(problems('channels: [main\n')[0]).toMatch(/^YAML syntax/);
    expect(() => loadConfig('/nonexistent/autopilot.yaml')).toThrow(/cannot read the file/);
  });
});

describe('live config (9.1)', () => {
  it('picks up emergency_pause without a restart and keeps the last good config when the file breaks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vvtv-cfg-'));
    const path = join(dir, 'autopilot.yaml');
    writeFileSync(path, DEFAULT);
    const live = new LiveConfig(path, undefined, {});
    expect(live.get().autopilot.emergency_pause).toBe(false);

    writeFileSync(
      path,
      withPatch((r) => (r.autopilot.emergency_pause = true)),
    );
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    expect(live.get().autopilot.emergency_pause).toBe(true);

    writeFileSync(path, 'canary: [broken');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    expect(live.get().autopilot.emergency_pause).toBe(true); // last good config still in force
  });
});
