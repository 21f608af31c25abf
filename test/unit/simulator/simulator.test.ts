import { mean } from 'simple-statistics';
import { METRIC_TYPES, Simulator, type CanaryOverlay } from '../../../src/simulator';
import { VVTV_TIMESTAMP } from '../../../src/adapters/metrics-store';
import { card, ctx, meanOf, memorySink, simulate, values } from './fixtures';

const AT = new Date('2025-06-01T00:00:00Z');
const overlay = (traffic_percentage = 0.2): CanaryOverlay => ({
  canary_id: 'canary-1',
  traffic_percentage,
  card: card({ temperature: 0.9 }),
  card_sha: 'canary-sha',
});

describe('simulator', () => {
  it('writes the same rows for the same seed, cards and slots', () => {
    const a = simulate(card(), { overlay: overlay() }).sim.runSlots(300, AT);
    const b = simulate(card(), { overlay: overlay() }).sim.runSlots(300, AT);
    expect(b).toEqual(a);
    const other = simulate(card(), { overlay: overlay(), seed: 7 }).sim.runSlots(300, AT);
    expect(other).not.toEqual(a);
  });

  it("writes one row per metric per slot, in VVTV's format", () => {
    const { sim, sink } = simulate(card());
    const rows = sim.runSlots(10, AT);
    expect(sink.inserts).toBe(1);
    expect(sink.rows).toEqual(rows);
    expect(rows).toHaveLength(10 * METRIC_TYPES.length);
    expect(new Set(rows.map((r) => r.metric_type))).toEqual(
      new Set(['selectionentropy', 'curatorapplybudgetusedpct', 'noveltytemporalkld', 'engagementproxy']),
    );
    // Slot 0 at a whole second: chrono writes no fraction; later slots carry nanoseconds.
    expect(rows[0]).toEqual({
      timestamp: '2025-06-01T00:00:00+00:00',
      metric_type: 'selectionentropy',
      value: expect.any(Number),
      context: { method: 'GumbelTopK', selected_count: 8, temperature: 0.5, top_k: 8 },
    });
    expect(Object.keys(ctx(rows[1]))).toEqual(['capacity', 'confidence', 'decision', 'tokens_remaining']);
    expect(Object.keys(ctx(rows[2]))).toEqual(['candidates_count', 'threshold', 'triggered']);
    expect(rows[3]).toMatchObject({ metric_type: 'engagementproxy', context: null });
    expect(rows.every((r) => VVTV_TIMESTAMP.test(r.timestamp))).toBe(true);
    expect(rows[4].timestamp).toMatch(/^2025-06-01T00:00:00\.\d{9}\+00:00$/);
    expect(sim.nextSlot).toBe(10);
  });

  it('stamps timestamps with 0, 3, 6 or 9 fractional digits, as chrono does', () => {
    const rows = simulate(card()).sim.runSlots(4000, new Date('2025-06-01T00:00:00.250Z'));
    const forms = new Set(rows.map((r) => /\.(\d+)\+/.exec(r.timestamp)?.[1].length ?? 0));
    expect(forms).toEqual(new Set([3, 6, 9]));
    expect(simulate(card()).sim.runSlots(1, AT)[0].timestamp).toBe('2025-06-01T00:00:00+00:00');
  });

  it('ignores the overlay as an unmodified VVTV does, writes only its three metrics, and names the channel when asked', () => {
    const rows = simulate(card(), { overlay: overlay(0.5), honourOverlay: false, engagement: false, channelKey: 'channel' }).sim.runSlots(
      200,
      AT,
    );
    expect(new Set(rows.map((r) => r.metric_type))).toEqual(
      new Set(['selectionentropy', 'curatorapplybudgetusedpct', 'noveltytemporalkld']),
    );
    expect(rows.every((r) => ctx(r).channel === 'main' && ctx(r).group === undefined)).toBe(true);
    expect(new Set(values(rows, 'selection_entropy').map(() => 0))).toEqual(new Set([0]));
    expect(rows.filter((r) => r.metric_type === 'selectionentropy').every((r) => ctx(r).temperature === 0.5)).toBe(true);
  });

  it('sends 20% ± 3 points of 5,000 slots to the canary, with the overlay card and canary id', () => {
    const rows = simulate(card(), { overlay: overlay(0.2) })
      .sim.runSlots(5000, AT)
      .filter((r) => r.metric_type === 'selectionentropy');
    const canary = rows.filter((r) => ctx(r).group === 'canary');
    const share = canary.length / rows.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    // The overlay contract: every row of a canary names its group and the canary; the planner's own
    // context says which card it played.
    expect(canary.every((r) => ctx(r).canary_id === 'canary-1' && ctx(r).temperature === 0.9)).toBe(true);
    const control = rows.filter((r) => ctx(r).group === 'control');
    expect(control.length + canary.length).toBe(rows.length);
    expect(control.every((r) => ctx(r).canary_id === 'canary-1' && ctx(r).temperature === 0.5)).toBe(true);
  });

  it('keeps every metric finite and in range', () => {
    const rows = simulate(card({ temperature: 1.5, top_k: 16 }), { noise: 0.2 }).sim.runSlots(1000, AT);
    expect(rows.every((r) => Number.isFinite(r.value))).toBe(true);
    expect(values(rows, 'selection_entropy').every((v) => v >= 0 && v <= 5)).toBe(true);
    expect(values(rows, 'novelty_temporal_kld').every((v) => v >= 0)).toBe(true);
    // VVTV stores the curator's budget used as a fraction.
    expect(values(rows, 'curator_apply_budget_used_pct').every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(values(rows, 'engagement_proxy').every((v) => v >= 0 && v <= 2)).toBe(true);
  });

  it('raises mean selection entropy when temperature goes from 0.3 to 1.0', () => {
    const low = meanOf('selection_entropy', card({ temperature: 0.3 }), 2000);
    const high = meanOf('selection_entropy', card({ temperature: 1.0 }), 2000);
    expect(high - low).toBeGreaterThan(0.4);
  });

  it('has an interior engagement optimum in temperature', () => {
    const at = (temperature: number): number => meanOf('engagement_proxy', card({ temperature }), 3000);
    const [low, mid, high] = [at(0.4), at(1.0), at(2.0)];
    expect(mid).toBeGreaterThan(low * 1.05);
    expect(mid).toBeGreaterThan(high * 1.01);
  });

  it('uses more of the curator budget at temperature 1.8 than at 0.8', () => {
    const calm = meanOf('curator_apply_budget_used_pct', card({ temperature: 0.8 }), 2000);
    const hot = meanOf('curator_apply_budget_used_pct', card({ temperature: 1.8 }), 2000);
    expect(hot - calm).toBeGreaterThan(0.05);
  });

  it('lowers engagement by about the severity inside the harmful region and not outside it', () => {
    const region = { parameter: 'temperature' as const, above: 1.2, severity: 0.3 };
    const inside = card({ temperature: 1.4 });
    const harmed = meanOf('engagement_proxy', inside, 2000, { harmfulRegion: region });
    const healthy = meanOf('engagement_proxy', inside, 2000);
    expect(harmed / healthy).toBeGreaterThan(0.6);
    expect(harmed / healthy).toBeLessThan(0.8);
    const outside = card({ temperature: 1.0 });
    expect(meanOf('engagement_proxy', outside, 500, { harmfulRegion: region })).toBe(meanOf('engagement_proxy', outside, 500));
    const curatorHarmed = meanOf('curator_apply_budget_used_pct', inside, 2000, { harmfulRegion: region });
    expect(curatorHarmed).toBeGreaterThan(meanOf('curator_apply_budget_used_pct', inside, 2000));
  });

  it('moves engagement over simulated hours when drift is set', () => {
    const { sim } = simulate(card({ temperature: 0.9 }), { drift: 0.01 });
    const start = mean(values(sim.runSlots(1000, AT), 'engagement_proxy'));
    const later = mean(values(sim.runSlots(1000, new Date(AT.getTime() + 48 * 3_600_000)), 'engagement_proxy'));
    expect(Math.abs(later - start)).toBeGreaterThan(0.01);
  });

  it('backfills control history with evenly spread timestamps inside the window', () => {
    const { sim, sink } = simulate(card(), { overlay: overlay(), startSlot: 100 });
    const from = new Date('2025-05-01T00:00:00Z');
    const to = new Date('2025-05-02T00:00:00Z');
    const result = sim.backfill(from, to, 120);
    expect(result).toEqual({ slots: 2880, rows: 2880 * METRIC_TYPES.length, firstSlot: 100 });
    expect(sink.rows).toHaveLength(result.rows);
    expect(sink.inserts).toBeGreaterThan(1);
    const times = sink.rows.map((r) => Date.parse(r.timestamp));
    expect(Math.min(...times)).toBe(from.getTime());
    expect(Math.max(...times)).toBeLessThan(to.getTime());
    expect(sink.rows.every((r) => ctx(r).group === undefined)).toBe(true);
    expect(sim.nextSlot).toBe(100 + 2880);
  });

  it('continues from startSlot after a restart', () => {
    const first = simulate(card());
    const all = first.sim.runSlots(20, AT);
    const restarted = simulate(card(), { startSlot: 10 }).sim.runSlots(10, AT);
    expect(restarted.map((r) => r.timestamp)).toEqual(all.slice(40).map((r) => r.timestamp));
    expect(restarted.map((r) => r.metric_type + r.value)).toEqual(all.slice(40).map((r) => r.metric_type + r.value));
  });

  it('runs slots on a timer until stopped', async () => {
    const { sim, sink } = simulate(card());
    sim.start(50);
    expect(sim.running).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    sim.stop();
    expect(sim.running).toBe(false);
    const written = sink.rows.length;
    expect(written).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 450));
    expect(sink.rows.length).toBe(written);
  });

  it('reports errors from the timer instead of throwing, and keeps ticking', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const sim = new Simulator({
      channel: 'main',
      seed: 1,
      source: () => ({ card: card(), cardSha: 'x', overlay: null }),
      sink: {
        insert() {
          calls += 1;
          throw new Error('disk full');
        },
      },
      onError: (err) => errors.push(err),
    });
    sim.start(50);
    await new Promise((r) => setTimeout(r, 650));
    sim.stop();
    expect(calls).toBeGreaterThan(1);
    expect(errors.length).toBe(calls);
    expect(String(errors[0])).toMatch(/disk full/);
  });

  it('reads the card source once per run, not once per slot', () => {
    let reads = 0;
    const sim = new Simulator({
      channel: 'main',
      seed: 1,
      source: () => (reads++, { card: card(), cardSha: 'x', overlay: null }),
      sink: memorySink(),
    });
    sim.runSlots(50, AT);
    expect(reads).toBe(1);
  });
});
