import { mean } from 'simple-statistics';
import type { Card } from '../../../src/config/card';
import { simulatedCard, type CardKnobs } from '../../../src/simulator/cards';
import { vvtvMetricType } from '../../../src/domain/metric-names';
import { Simulator, type CanaryOverlay, type MetricRow, type SimulatorOptions } from '../../../src/simulator';

export const card = (over: CardKnobs = {}): Card => simulatedCard(over, 'test');

export interface MemorySink {
  rows: MetricRow[];
  inserts: number;
  insert(rows: MetricRow[]): void;
}

export function memorySink(): MemorySink {
  const sink: MemorySink = {
    rows: [],
    inserts: 0,
    insert(rows) {
      sink.inserts += 1;
      for (const r of rows) sink.rows.push(r);
    },
  };
  return sink;
}

/** A simulator on a fixed card (and optional overlay) writing to an in-memory sink. */
export function simulate(
  live: Card,
  over: Partial<Omit<SimulatorOptions, 'source' | 'sink'>> & { overlay?: CanaryOverlay | null } = {},
): { sim: Simulator; sink: MemorySink } {
  const sink = memorySink();
  const { overlay = null, ...options } = over;
  const sim = new Simulator({ channel: 'main', seed: 42, ...options, source: () => ({ card: live, cardSha: 'live-sha', overlay }), sink });
  return { sim, sink };
}

/** A row's context as an object (VVTV may store `null`). */
export function ctx(r: MetricRow): Record<string, unknown> {
  return (r.context ?? {}) as Record<string, unknown>;
}

/** Values of one KPI (by its card name, `selection_entropy`), optionally of one overlay group. */
export function values(rows: MetricRow[], metric: string, group?: 'control' | 'canary'): number[] {
  const type = vvtvMetricType(metric);
  return rows.filter((r) => r.metric_type === type && (group === undefined || ctx(r).group === group)).map((r) => r.value);
}

/** Mean of one metric over `slots` slots of a fixed card. */
export function meanOf(metric: string, live: Card, slots: number, over: Parameters<typeof simulate>[1] = {}): number {
  const { sim } = simulate(live, over);
  return mean(values(sim.runSlots(slots, new Date('2025-06-01T00:00:00Z')), metric));
}
