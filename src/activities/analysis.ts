/**
 * What the cycle reads before it proposes: the window analysis with earlier days (1.2, 1.3) and
 * past canaries as the optimizer's experiments (1.4). The decisions are in src/domain.
 */
import { analyzeWindow as analyze, type HourAggregate } from '../domain/analysis';
import { experimentsFromCycles, type Experiment } from '../domain/optimizer';
import type { KpiDef, WindowAnalysis } from '../domain/types';
import { storedMetricType } from '../domain/metric-names';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';

const HOUR_MS = 3_600_000;

export function createAnalysisActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /**
     * Level, trend (with Sen's interval), change against the same hours of up to `previousDays`
     * earlier days, and data quality of every KPI over the last window (1.2, 1.3).
     */
    async analyzeMetrics(input: {
      channel: string;
      windowHours: number;
      minSamples: number;
      kpis: KpiDef[];
      previousDays?: number;
    }): Promise<WindowAnalysis> {
      const to = now();
      const from = new Date(to.getTime() - input.windowHours * HOUR_MS);
      const days = Math.min(7, Math.max(0, Math.floor(input.previousDays ?? 7)));
      const since = new Date(from.getTime() - days * 24 * HOUR_MS);
      const hours: Record<string, HourAggregate[]> = {};
      const previous: Record<string, HourAggregate[]> = {};
      for (const k of input.kpis) {
        const q = { channel: input.channel, metricType: storedMetricType(k) };
        hours[k.name] = deps.metrics.hourly({ ...q, from: from.toISOString(), to: to.toISOString() });
        previous[k.name] = days > 0 ? deps.metrics.hourly({ ...q, from: since.toISOString(), to: from.toISOString() }) : [];
      }
      const analysis = analyze(
        input.channel,
        from.toISOString(),
        to.toISOString(),
        input.kpis,
        hours,
        { windowHours: input.windowHours, minSamples: input.minSamples },
        previous,
      );
      // The planner's current pace (rows of the first KPI in the last 10 minutes, per hour):
      // how many samples the coming canary will see.
      const recentFrom = new Date(to.getTime() - 10 * 60_000).toISOString();
      const recent = input.kpis.length
        ? deps.metrics.hourly({
            channel: input.channel,
            metricType: storedMetricType(input.kpis[0]),
            from: recentFrom,
            to: to.toISOString(),
          })
        : [];
      return { ...analysis, recentRatePerHour: recent.reduce((a, b) => a + b.n, 0) * 6 };
    },

    /** Past canaries of the channel as experiments (oldest first), from the cycles' stored reports. */
    async loadExperiments(input: { channel: string; limit?: number }): Promise<Experiment[]> {
      return guard(() => {
        const limit = input.limit ?? 60;
        if (!Number.isInteger(limit) || limit < 1)
          throw new ValidationError('loadExperiments', [`limit: expected a positive integer, got ${input.limit}`]);
        return experimentsFromCycles(
          deps.cycleLog
            .list(input.channel, limit)
            .map((cycle) => ({ cycle, canary: cycle.canary_id ? deps.canaryLog.get(cycle.canary_id) : null })),
        );
      });
    },
  };
}
