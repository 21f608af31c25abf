/**
 * Activities around the decision core: past canaries as experiments for the optimizer, the
 * sliding-bounds update after a cycle (2.1-2.3) and the richer window analysis with earlier
 * days (1.2). Thin: the decisions are in src/domain.
 */
import { analyzeWindow as analyze, type HourAggregate } from '../domain/analysis';
import {
  DEFAULT_BOUNDS_POLICY,
  completeBounds,
  updateBounds,
  type BoundsPolicy,
} from '../domain/bounds';
import { experimentsFromCycles, type Experiment } from '../domain/optimizer';
import type { BoundsAdjustmentRecord, KpiDef, ParameterBounds, ParameterChange, WindowAnalysis } from '../domain/types';
import type { AutopilotConfig } from '../config/schema';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';

const HOUR_MS = 3_600_000;

/** The config's `sliding_bounds` section as the domain's BoundsPolicy. */
export function boundsPolicyOf(config: AutopilotConfig): BoundsPolicy {
  const s = config.sliding_bounds;
  return {
    ...DEFAULT_BOUNDS_POLICY,
    stabilityDays: s.stability_days,
    maxWeeklyExpansion: s.max_weekly_expansion,
    rollbackThreshold: s.rollback_threshold,
    contractionFactor: s.contraction_factor,
    minWidthFraction: s.min_width_fraction,
    backoffBaseHours: s.backoff_base_hours,
    backoffMaxDays: s.backoff_max_days,
  };
}

export interface UpdateBoundsInput {
  channel: string;
  /** The cycle's outcome (`promoted`, `rolled_back`, `no_change`, …); only `rolled_back` counts against the changed parameters. */
  outcome: string;
  /** The changes the cycle put through its canary (empty when none). */
  changes: Array<Pick<ParameterChange, 'parameter' | 'oldValue' | 'newValue'>>;
  /** ISO time of the cycle's end; a retried call with the same time counts a rollback once. */
  at: string;
}

export interface UpdateBoundsResult {
  bounds: ParameterBounds[];
  adjustments: BoundsAdjustmentRecord[];
}

export function createOptimizerActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /** Past canaries of the channel as experiments (oldest first), from the cycles' stored reports. */
    async loadExperiments(input: { channel: string; limit?: number }): Promise<Experiment[]> {
      return guard(() => {
        const limit = input.limit ?? 60;
        if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('loadExperiments', [`limit: expected a positive integer, got ${input.limit}`]);
        return experimentsFromCycles(
          deps.cycleLog.list(input.channel, limit).map((cycle) => ({ cycle, canary: cycle.canary_id ? deps.canaryLog.get(cycle.canary_id) : null })),
        );
      });
    },

    /** The live config's sliding-bounds policy (stability, contraction, backoff). */
    async getBoundsPolicy(_input: Record<string, never> = {}): Promise<BoundsPolicy> {
      return boundsPolicyOf(deps.config());
    },

    /**
     * Moves the sliding bounds after a cycle and records every adjustment with its rationale
     * (2.1-2.3): a rollback counts against each changed parameter and contracts its range at the
     * threshold; a range untouched for stability_days widens by at most 5 %. Returns the
     * adjustments made (possibly none) and the bounds now stored.
     */
    async updateBoundsAfterCycle(input: UpdateBoundsInput): Promise<UpdateBoundsResult> {
      return guard(() => {
        const problems: string[] = [];
        if (typeof input.outcome !== 'string' || input.outcome === '') problems.push('outcome: expected a cycle outcome such as promoted or rolled_back');
        if (!Number.isFinite(Date.parse(input.at))) problems.push(`at: expected an ISO time, got ${input.at}`);
        if (!Array.isArray(input.changes)) problems.push('changes: expected an array');
        if (problems.length) throw new ValidationError('updateBoundsAfterCycle', problems);
        const config = deps.config();
        const policy = boundsPolicyOf(config);
        // Bounds never stored before are taken as initialised just before this cycle (a stored
        // updatedAt equal to `at` marks an update already applied by a retried call).
        const initAt = new Date(Date.parse(input.at) - 1).toISOString();
        const current = completeBounds(config.parameters, deps.boundsStore.get(input.channel), initAt);
        const adjustments: BoundsAdjustmentRecord[] = [];
        const bounds = current.map((b) => {
          const change = input.changes.find((c) => c.parameter === b.parameter);
          const value = change ? (input.outcome === 'promoted' ? change.newValue : change.oldValue) : undefined;
          const u = updateBounds(input.channel, b, { outcome: input.outcome, changed: change !== undefined, current: value, at: input.at }, policy);
          adjustments.push(...u.adjustments);
          return u.bounds;
        });
        deps.boundsStore.save(input.channel, bounds, adjustments);
        if (adjustments.length) deps.logger.info({ channel: input.channel, adjustments }, 'sliding bounds adjusted');
        return { bounds, adjustments };
      });
    },

    /**
     * Level, trend (with Sen's interval), change against the same hours of up to `previousDays`
     * earlier days, and data quality of every KPI over the last window (1.2, 1.3).
     */
    async analyzeMetrics(input: { channel: string; windowHours: number; minSamples: number; kpis: KpiDef[]; previousDays?: number }): Promise<WindowAnalysis> {
      const to = now();
      const from = new Date(to.getTime() - input.windowHours * HOUR_MS);
      const days = Math.min(7, Math.max(0, Math.floor(input.previousDays ?? 7)));
      const since = new Date(from.getTime() - days * 24 * HOUR_MS);
      const hours: Record<string, HourAggregate[]> = {};
      const previous: Record<string, HourAggregate[]> = {};
      for (const k of input.kpis) {
        const q = { channel: input.channel, metricType: k.name };
        hours[k.name] = deps.metrics.hourly({ ...q, from: from.toISOString(), to: to.toISOString() });
        previous[k.name] = days > 0 ? deps.metrics.hourly({ ...q, from: since.toISOString(), to: from.toISOString() }) : [];
      }
      const analysis = analyze(input.channel, from.toISOString(), to.toISOString(), input.kpis, hours, { windowHours: input.windowHours, minSamples: input.minSamples }, previous);
      // The planner's current pace (rows of the first KPI in the last 10 minutes, per hour):
      // how many samples the coming canary will see.
      const recentFrom = new Date(to.getTime() - 10 * 60_000).toISOString();
      const recent = input.kpis.length ? deps.metrics.hourly({ channel: input.channel, metricType: input.kpis[0].name, from: recentFrom, to: to.toISOString() }) : [];
      return { ...analysis, recentRatePerHour: recent.reduce((a, b) => a + b.n, 0) * 6 };
    },
  };
}
