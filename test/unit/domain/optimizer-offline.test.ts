import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { createAnalysisActivities } from '../../../src/activities/analysis';
import type { Deps } from '../../../src/activities/deps';
import { referenceSelectionEngine } from '../../../src/adapters/selection';
import { JsonlSlotLog, readSlotLog } from '../../../src/adapters/slot-log';
import { CardStore } from '../../../src/adapters/card-store';
import { parseConfig, selectionParams } from '../../../src/config';
import { offlineVsMeasured } from '../../../src/domain/cycle';
import { fitModel, optimize, predict } from '../../../src/domain/optimizer';
import { packedIndex } from '../../../src/domain/optimizer/linalg';
import { offlineEvidence, prepareReplay, recordsOfCard, replayMoves, DEFAULT_REPLAY_SETTINGS } from '../../../src/domain/replay';
import type { CanaryVerdict, ParameterChange } from '../../../src/domain/types';
import { card, simulate } from '../simulator/fixtures';
import { analysis, CURRENT, input, KPIS, NOW, PARAMS, experiments } from './optimizer-fixtures';

const ROOT = join(__dirname, '..', '..', '..');
const AT = new Date('2025-03-09T12:00:00.000Z');
const SLOTS = 60;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'offline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** SLOTS simulated slots of the fixtures' current card, logged. */
function logged(path = join(dir, 'slots.jsonl')) {
  const log = new JsonlSlotLog(path);
  simulate(card(CURRENT), { slotLog: log }).sim.runSlots(SLOTS, AT);
  return readSlotLog(path, { channel: 'main', from: '2025-03-09T00:00:00Z', to: NOW, maxRecords: 1000 }).records;
}

function evidence(records = logged(), settings = DEFAULT_REPLAY_SETTINGS) {
  const base = selectionParams(card(CURRENT));
  return offlineEvidence({
    replay: prepareReplay(recordsOfCard(records, base), referenceSelectionEngine),
    base,
    params: PARAMS,
    current: CURRENT,
    kpis: KPIS.map((k) => k.name),
    settings,
    now: NOW,
  });
}

describe('the optimizer with the offline replay as a second, biased source (issue 12)', () => {
  let shared: ReturnType<typeof evidence>;
  let records: ReturnType<typeof logged>;
  beforeAll(() => {
    const own = mkdtempSync(join(tmpdir(), 'offline-'));
    records = logged(join(own, 'slots.jsonl'));
    shared = evidence(records);
    rmSync(own, { recursive: true, force: true });
  });
  it('replays single moves (one step and the daily delta) and one-step pairs inside the hard limits', () => {
    const moves = replayMoves(PARAMS, CURRENT, true);
    // temperature ±0.1; top_k ±1, ±2; bias ±0.05; epsilon ±0.02; 6 pairs × 4 signs
    expect(moves.filter((m) => Object.keys(m).length === 1)).toHaveLength(10);
    expect(moves.filter((m) => Object.keys(m).length === 2)).toHaveLength(24);
    expect(replayMoves(PARAMS, { ...CURRENT, epsilon: 0 }, false)).not.toContainEqual({ epsilon: -0.02 });
  });

  it('turns replayed moves into pseudo-experiments with their error covariance: shared slots, shared slope bias', () => {
    const ev = shared;
    expect(ev.slots).toBe(SLOTS);
    expect(ev.mismatched).toBe(0);
    expect(ev.moves).toHaveLength(34);
    const wider = ev.moves.find((m) => m.deltas.top_k === 2 && Object.keys(m.deltas).length === 1)!;
    expect(wider.kpis.selection_entropy!.relDiff).toBeGreaterThan(0.02);
    expect(wider.kpis.engagement_proxy!.method).toBe('dm');
    expect(wider.kpis).not.toHaveProperty('curator_apply_budget_used_pct'); // not a function of the selection alone
    const exp = ev.experiments[ev.moves.indexOf(wider)]!;
    expect(exp).toMatchObject({ source: 'replay', base: CURRENT, deltas: { top_k: 2 }, at: NOW });
    const se = exp.effects.engagement_proxy!.relSe;
    const cov = ev.covariance!.engagement_proxy!;
    const i = ev.moves.indexOf(wider);
    expect(cov[packedIndex(34, i, i)]).toBeCloseTo(se * se, 8);
    // Two steps of top_k: the slope bias of two steps, on top of the slots' sampling error.
    expect(se).toBeGreaterThan(2 * DEFAULT_REPLAY_SETTINGS.ipsBiasSd);
    expect(se).toBeGreaterThan(wider.kpis.engagement_proxy!.relSe);
    // top_k +1 and +2 share the slots and the slope: strongly correlated. top_k and temperature
    // share only the slots.
    const corr = (a: number, b: number): number =>
      cov[packedIndex(34, a, b)]! / Math.sqrt(cov[packedIndex(34, a, a)]! * cov[packedIndex(34, b, b)]!);
    const one = ev.moves.findIndex((m) => m.deltas.top_k === 1 && Object.keys(m.deltas).length === 1);
    const warmer = ev.moves.findIndex((m) => m.deltas.temperature === 0.1 && Object.keys(m.deltas).length === 1);
    expect(corr(one, i)).toBeGreaterThan(0.8);
    expect(Math.abs(corr(warmer, i))).toBeLessThan(corr(one, i));
  });

  it('a relative slope bias grows with what a parameter’s step does to the viewer KPI: large for top_k, small for epsilon', () => {
    const relative = evidence(records, { ...DEFAULT_REPLAY_SETTINGS, ipsBiasSd: 0.005, ipsBiasRelative: 0.25 });
    const single = (p: string, d: number) => relative.moves.findIndex((m) => m.deltas[p] === d && Object.keys(m.deltas).length === 1);
    const variance = (ev: typeof shared, i: number) => ev.covariance!.engagement_proxy![packedIndex(34, i, i)]!;
    // The slots' sampling variance of a single move: the default evidence's, less its flat slope bias.
    const sampling = (i: number, steps: number) => variance(shared, i) - steps * steps * DEFAULT_REPLAY_SETTINGS.ipsBiasSd ** 2;
    const biasOf = (p: string, d: number, steps: number) => {
      const i = single(p, d);
      return Math.sqrt((variance(relative, i) - sampling(i, steps)) / (steps * steps));
    };
    // The parameter's one-step effect, as replayed: the mean |relDiff| of its ±1-step moves.
    const oneStep = (p: string, step: number) =>
      (Math.abs(relative.moves[single(p, step)]!.kpis.engagement_proxy!.relDiff) +
        Math.abs(relative.moves[single(p, -step)]!.kpis.engagement_proxy!.relDiff)) /
      2;
    const topK = Math.hypot(0.005, 0.25 * oneStep('top_k', 1));
    expect(biasOf('top_k', 2, 2)).toBeCloseTo(topK, 4);
    expect(biasOf('epsilon', 0.02, 1)).toBeCloseTo(Math.hypot(0.005, 0.25 * oneStep('epsilon', 0.02)), 4);
    expect(oneStep('top_k', 1)).toBeGreaterThan(3 * oneStep('epsilon', 0.02));
    expect(biasOf('epsilon', 0.02, 1)).toBeLessThan(biasOf('top_k', 1, 1));
    // The exactly re-run KPIs keep their absolute allowance.
    const entropy = (ev: typeof shared, i: number) => ev.covariance!.selection_entropy![packedIndex(34, i, i)]!;
    const e = single('epsilon', 0.02);
    const entropySampling = entropy(shared, e) - DEFAULT_REPLAY_SETTINGS.exactBiasSd ** 2;
    expect(entropy(relative, e) - entropySampling).toBeCloseTo(DEFAULT_REPLAY_SETTINGS.exactBiasSd ** 2, 8);
  });

  it('a feature-share bias is a share of what the slate model attributes to each feature that moves (quality, variety)', () => {
    const feature = evidence(records, { ...DEFAULT_REPLAY_SETTINGS, ipsBiasSd: 0, ipsBiasFeature: 0.5 });
    const none = evidence(records, { ...DEFAULT_REPLAY_SETTINGS, ipsBiasSd: 0 });
    const base = selectionParams(card(CURRENT));
    const replay = prepareReplay(recordsOfCard(records, base), referenceSelectionEngine);
    const variance = (ev: typeof shared, i: number) => ev.covariance!.engagement_proxy![packedIndex(34, i, i)]!;
    // A single move and the ridge pair (temperature down, top_k up).
    const checked = feature.moves.flatMap((mv, i) =>
      (mv.deltas.top_k === 1 && Object.keys(mv.deltas).length === 1) || (mv.deltas.temperature === -0.1 && mv.deltas.top_k === 1)
        ? [[i, mv] as const]
        : [],
    );
    expect(checked).toHaveLength(2);
    for (const [i, mv] of checked) {
      const r = replay.evaluate({
        ...base,
        ...Object.fromEntries(Object.entries(mv.deltas).map(([p, d]) => [p, CURRENT[p as keyof typeof CURRENT] + d])),
      });
      const k = r.kpis.engagement_proxy!;
      expect(k.method).toBe('dm');
      // The parts add up to the slate model's prediction; the bias is the share of each part.
      expect(k.contributions!.reduce((a, b) => a + b, 0)).toBeCloseTo(k.relDiff, 10);
      const parts = 0.25 * k.contributions!.reduce((a, c) => a + c * c, 0);
      expect(variance(feature, i) - variance(none, i)).toBeCloseTo(parts, 5);
    }
    // Two moves whose variety parts pull opposite ways are negatively correlated through that part.
    const cooler = feature.moves.findIndex((m) => m.deltas.temperature === -0.1 && Object.keys(m.deltas).length === 1);
    const warmer = feature.moves.findIndex((m) => m.deltas.temperature === 0.1 && Object.keys(m.deltas).length === 1);
    const cov = (ev: typeof shared, a: number, b: number) => ev.covariance!.engagement_proxy![packedIndex(34, a, b)]!;
    expect(cov(feature, cooler, warmer)).toBeLessThan(cov(none, cooler, warmer));
  });

  it('fits the replay as one correlated measurement: 34 moves teach what their shared error allows, not 34 times that', () => {
    const topKStepSd = (replay: typeof shared) =>
      predict(fitModel(PARAMS, KPIS, CURRENT, [], { now: NOW, rules: [], halfLifeDays: 14, localitySteps: 3, replay }), { top_k: 1 }).sd
        .engagement_proxy!;
    const correlated = topKStepSd(shared);
    const independent = topKStepSd({ ...shared, covariance: undefined }); // each move on its own with its relSe
    const one = shared.moves.findIndex((m) => m.deltas.top_k === 1 && Object.keys(m.deltas).length === 1);
    // As if independent, the moves would claim more than any of them measures; correlated, the
    // top_k slope is known about as well as its own bias and the slots allow, and no better.
    expect(independent).toBeLessThan(correlated);
    expect(correlated).toBeGreaterThan(DEFAULT_REPLAY_SETTINGS.ipsBiasSd * 0.7);
    expect(correlated).toBeLessThan(shared.experiments[one]!.effects.engagement_proxy!.relSe + 0.01);
  });

  it('the slate model sees the variety effect on engagement that item-level IPS misses', () => {
    // The truth on common random numbers: the same 600 slots under each card (noise included).
    const meanEngagement = (t: number): number => {
      const rows = simulate(card({ ...CURRENT, temperature: t })).sim.runSlots(600, AT);
      const e = rows.filter((r) => r.metric_type === 'engagementproxy').map((r) => r.value);
      return e.reduce((a, b) => a + b, 0) / e.length;
    };
    const truth = meanEngagement(0.6) / meanEngagement(0.5) - 1;
    const warmer = shared.moves.find((m) => m.deltas.temperature === 0.1 && Object.keys(m.deltas).length === 1)!;
    const dm = warmer.kpis.engagement_proxy!;
    const replay = prepareReplay(logged(join(dir, 'again.jsonl')), referenceSelectionEngine).evaluate({
      ...selectionParams(card(CURRENT)),
      temperature: 0.6,
    });
    const ips = replay.kpis.engagement_proxy!.ips!;
    expect(truth).toBeGreaterThan(0.05);
    expect(Math.abs(dm.relDiff - truth)).toBeLessThan(Math.abs(ips.relDiff - truth) / 2);
    expect(Math.abs(dm.relDiff - truth)).toBeLessThan(3 * dm.relSe + 0.02);
  });

  it('weighs a canary against the replay by their errors: a precise canary pulls the estimate halfway, a noisy one hardly', () => {
    const offline = shared;
    const replayed = offline.moves.find((m) => m.deltas.top_k === 1 && Object.keys(m.deltas).length === 1)!.kpis.selection_entropy!.relDiff;
    const measured = replayed - 0.06;
    const after = (relSe: number): number => {
      const canary = experiments('top_k', 1, { selection_entropy: measured }, 1);
      canary[0]!.effects.selection_entropy!.relSe = relSe;
      return predict(
        fitModel(PARAMS, KPIS, CURRENT, canary, { now: NOW, rules: [], halfLifeDays: 14, localitySteps: 3, replay: offline }),
        {
          top_k: 1,
        },
      ).mean.selection_entropy!;
    };
    // The share of the way from the replay's estimate to the canary's: the canary's variance has
    // the model's 1 % misfit floor, and the replay's top_k slope its own bias (1 % a step) plus the
    // slots' sampling error, so even a very precise canary weighs about as much as the replay.
    const pulled = (relSe: number): number => (replayed - after(relSe)) / (replayed - measured);
    expect(pulled(0.002)).toBeGreaterThan(0.4);
    expect(pulled(0.002)).toBeGreaterThan(pulled(0.01));
    expect(pulled(0.01)).toBeGreaterThan(pulled(0.03));
    expect(pulled(0.03)).toBeLessThan(0.2);
  });

  it('uses the replay on a cold start and records the offline prediction on its proposal', () => {
    const offline = shared;
    // Entropy below its band: a correction is wanted (the rules would steer a cold start).
    const low = analysis({ selection_entropy: 1.8 });
    const without = optimize(input({ analysis: low }));
    const withReplay = optimize(input({ analysis: low, offline }));
    // Evidence counts real canaries: the replay informs the model but does not end a cold start.
    expect(without.evidence).toBe(0);
    expect(withReplay.evidence).toBe(0);
    expect(withReplay.changes.length).toBeGreaterThan(0);
    for (const c of withReplay.changes) {
      expect(c.offlineImpact).toBeDefined();
      expect(c.rationale).toMatch(/replayed moves on 60 logged slots/);
    }
    // The model's entropy prediction for top_k +2 now follows the replay rather than the flat prior.
    const cand = withReplay.candidates.find((c) => c.parameter === 'top_k' && c.newValue === CURRENT.top_k + 2)!;
    const replayed = offline.moves.find((m) => m.deltas.top_k === 2 && Object.keys(m.deltas).length === 1)!;
    expect(cand.prediction.mean.selection_entropy).toBeGreaterThan(replayed.kpis.selection_entropy!.relDiff / 2);
  });

  it('the canary report puts the offline prediction next to the measured effect', () => {
    const change = (offlineImpact?: ParameterChange['offlineImpact']): ParameterChange => ({
      parameter: 'top_k',
      cardPath: 'selection.top_k',
      oldValue: 8,
      newValue: 9,
      changeType: 'Optimization',
      rule: 'model_optimization',
      rationale: '',
      expectedImpact: {},
      confidence: 0.5,
      ...(offlineImpact ? { offlineImpact } : {}),
    });
    const verdict = { kpis: [{ kpi: 'selection_entropy', relDiff: 0.03, classification: 'Improved' }] } as unknown as CanaryVerdict;
    const a = { selection_entropy: { relDiff: 0.02, relSe: 0.003 }, engagement_proxy: { relDiff: 0.01, relSe: 0.004 } };
    const b = { selection_entropy: { relDiff: 0.01, relSe: 0.004 } };
    expect(offlineVsMeasured([change(a), change(b)], verdict)).toEqual({
      selection_entropy: { offline: 0.03, offlineSe: 0.005, measured: 0.03 },
    });
    expect(offlineVsMeasured([change(a), change()], verdict)).toEqual({});
  });
});

describe('loadOfflineEvidence (the cycle’s activity)', () => {
  const shipped = parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
  function acts(slotLog?: string) {
    const config = parseConfig(
      stringify({
        ...shipped,
        data_dir: dir,
        stores: { ...shipped.stores, ...(slotLog ? { slot_log: slotLog } : {}) },
        optimizer: { ...shipped.optimizer, replay: { joint_moves: false } },
      }),
      'test',
    );
    const cards = new CardStore(join(dir, 'card.yaml'));
    const live = card(CURRENT);
    writeFileSync(cards.path, stringify(live));
    const deps = {
      config: () => config,
      logger: pino({ level: 'silent' }),
      now: () => new Date(NOW),
      cards: () => cards,
    } as unknown as Deps;
    return createAnalysisActivities(deps);
  }
  const args = { channel: 'main', params: PARAMS, kpis: KPIS.map((k) => k.name), current: CURRENT };

  it('is null without stores.slot_log, and replays the live card’s logged slots with one', async () => {
    expect(await acts().loadOfflineEvidence(args)).toBeNull();
    logged(join(dir, 'slots-main.jsonl'));
    const ev = await acts('slots-{channel}.jsonl').loadOfflineEvidence(args);
    expect(ev).toMatchObject({ slots: SLOTS, mismatched: 0 });
    expect(ev!.moves.length).toBe(10);
    expect(await acts('absent-{channel}.jsonl').loadOfflineEvidence(args)).toBeNull();
  });
});
