import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import { JsonlSlotLog, readSlotLog } from '../../../src/adapters/slot-log';
import { referenceSelectionEngine } from '../../../src/adapters/selection';
import { parseConfig } from '../../../src/config';
import { prepareReplay } from '../../../src/domain/replay';
import { card, simulate } from './fixtures';

const AT = new Date('2025-06-01T00:00:00Z');
const HOUR = 3_600_000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slot-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('slot log (the optional extension of the overlay contract)', () => {
  it('the simulator writes one JSONL record per slot when asked, and the metrics rows stay the same', () => {
    const log = new JsonlSlotLog(join(dir, 'main', 'slots.jsonl'));
    const withLog = simulate(card(), { slotLog: log }).sim.runSlots(40, AT);
    const without = simulate(card()).sim.runSlots(40, AT);
    expect(withLog).toEqual(without);
    const lines = readFileSync(log.path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(40);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ v: 1, channel: 'main', slot: 0, card_sha: 'live-sha', group: null, seed: 'main:0' });
    expect(first.candidates).toHaveLength(60);
    expect(first.chosen).toHaveLength(8);
    expect(first.rewards).toHaveLength(8);
    expect(Object.keys(first.kpis).sort()).toEqual([
      'curator_apply_budget_used_pct',
      'engagement_proxy',
      'novelty_temporal_kld',
      'selection_entropy',
    ]);
  });

  it('logs a stable share of slots, and the overlay group of each logged slot', () => {
    const log = new JsonlSlotLog(join(dir, 'slots.jsonl'));
    const overlay = { canary_id: 'c1', traffic_percentage: 0.5, card: card({ temperature: 0.9 }), card_sha: 'canary-sha' };
    simulate(card(), { slotLog: log, slotLogShare: 0.25, overlay }).sim.runSlots(400, AT);
    const read = readSlotLog(log.path, { channel: 'main', from: AT.toISOString(), to: new Date(AT.getTime() + HOUR).toISOString() });
    expect(read.records.length).toBeGreaterThan(70);
    expect(read.records.length).toBeLessThan(130);
    const canary = read.records.filter((r) => r.group === 'canary');
    expect(canary.length).toBeGreaterThan(20);
    for (const r of canary) expect(r).toMatchObject({ card_sha: 'canary-sha', params: { temperature: 0.9 } });
  });

  it('the reader keeps a bounded window, skips bad lines with a count, and its records replay exactly', () => {
    const log = new JsonlSlotLog(join(dir, 'slots.jsonl'));
    const { sim } = simulate(card(), { slotLog: log });
    sim.runSlots(30, AT);
    appendFileSync(log.path, 'not json\n{"v":1,"channel":"main"}\n');
    sim.runSlots(30, new Date(AT.getTime() + 2 * HOUR));
    const window = { channel: 'main', from: AT.toISOString(), to: new Date(AT.getTime() + HOUR).toISOString() };
    const read = readSlotLog(log.path, window);
    expect(read).toMatchObject({ missing: false, inWindow: 30, skipped: 2 });
    expect(read.errors[0]).toMatch(/line 31: not JSON/);
    expect(read.errors[1]).toMatch(/line 32: /);
    expect(readSlotLog(log.path, { ...window, maxRecords: 10 }).records).toHaveLength(10);
    expect(readSlotLog(log.path, { ...window, channel: 'other' }).records).toHaveLength(0);
    expect(readSlotLog(join(dir, 'absent.jsonl'), window)).toMatchObject({ missing: true, records: [] });

    const replay = prepareReplay(read.records, referenceSelectionEngine);
    expect(replay).toMatchObject({ slots: 30, mismatched: 0 });
    const same = replay.evaluate(read.records[0]!.params);
    expect(same.changed).toBe(0);
    expect(same.kpis.engagement_proxy).toMatchObject({ method: 'dm', relDiff: 0 });
    expect(same.kpis.engagement_proxy!.ips!.ess).toBeCloseTo(30 * 8, 6);
  });

  it('rotates before a file would pass its size (logrotate naming, the oldest dropped), and the reader reads across rotated files', () => {
    const path = join(dir, 'slots.jsonl');
    const one = new JsonlSlotLog(join(dir, 'probe.jsonl'));
    simulate(card(), { slotLog: one }).sim.runSlots(1, AT);
    const recordBytes = statSync(one.path).size;
    // Room for about 10 records a file, two rotated files kept.
    const log = new JsonlSlotLog(path, { maxBytes: 10.5 * recordBytes, keep: 2 });
    const { sim } = simulate(card(), { slotLog: log });
    for (let i = 0; i < 45; i++) sim.runSlots(1, new Date(AT.getTime() + i * 60_000));
    for (const f of [path, `${path}.1`, `${path}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(10.5 * recordBytes * 1.2);
    expect(existsSync(`${path}.3`)).toBe(false);
    const window = { channel: 'main', from: AT.toISOString(), to: new Date(AT.getTime() + HOUR).toISOString() };
    const read = readSlotLog(path, window);
    expect(read.files).toEqual([path, `${path}.1`, `${path}.2`]);
    // What the live file and the two rotated ones hold, oldest first, without a gap or a repeat.
    const slots = read.records.map((r) => Date.parse(r.at));
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
    expect(new Set(slots).size).toBe(slots.length);
    expect(read.inWindow).toBeGreaterThanOrEqual(20);
    expect(read.inWindow).toBeLessThan(45);
    expect(Math.max(...slots)).toBe(AT.getTime() + 44 * 60_000);
    // The byte budget is taken newest first: a small one reads only the live file's tail.
    expect(readSlotLog(path, { ...window, maxBytes: 3 * recordBytes }).files).toEqual([path]);
    // A bad line in a rotated file is named by its file.
    appendFileSync(`${path}.1`, 'not json\n');
    expect(readSlotLog(path, window).errors[0]).toMatch(/^rotated \.1, line \d+: not JSON/);
    // A new writer on an existing file counts what is already there.
    const again = new JsonlSlotLog(path, { maxBytes: statSync(path).size + 1, keep: 2 });
    simulate(card(), { slotLog: again }).sim.runSlots(1, new Date(AT.getTime() + 50 * 60_000));
    expect(statSync(path).size).toBe(recordBytes);
  });

  it('config: stores.slot_log is absent by default (no replay) and checked when given', () => {
    const shipped = parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'autopilot.yaml'), 'utf8'));
    const withLog = (slot_log: string) => stringify({ ...shipped, stores: { ...shipped.stores, slot_log } });
    const base = stringify(shipped);
    expect(parseConfig(base, 'test').stores.slot_log).toBeUndefined();
    expect(parseConfig(withLog('slots/{channel}.jsonl'), 'test').stores.slot_log).toBe('slots/{channel}.jsonl');
    expect(() => parseConfig(withLog('../out.jsonl'), 'test')).toThrow(/stores\.slot_log/);
    expect(parseConfig(base, 'test').optimizer.replay).toMatchObject({
      window_hours: 24,
      max_slots: 300,
      ips_bias_sd: 0.005,
      ips_bias_feature: 0.25,
    });
  });
});
