/**
 * What the cycle reads before it proposes: the window analysis with earlier days (1.2, 1.3) and
 * past canaries as the optimizer's experiments (1.4), and the offline replay of moves on the slot
 * log when one is configured (issue 12). The decisions are in src/domain.
 */
import { analyzeWindow as analyze, type HourAggregate } from '../domain/analysis';
import { experimentsFromCycles, type Experiment, type OfflineEvidence } from '../domain/optimizer';
import { offlineEvidence, prepareReplay, recordsOfCard } from '../domain/replay';
import type { KpiDef, ParamDef, WindowAnalysis } from '../domain/types';
import { readSlotLog } from '../adapters/slot-log';
import { referenceSelectionEngine } from '../adapters/selection';
import { replaySettingsOf, selectionParams, storePath } from '../config';
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

    /**
     * The offline replay (issue 12): moves around the live card replayed on the slot log's last
     * `optimizer.replay.window_hours` of slots that played it. Null without `stores.slot_log`, or
     * when the log holds no such slot.
     */
    async loadOfflineEvidence(input: {
      channel: string;
      params: ParamDef[];
      kpis: string[];
      current: Record<string, number>;
    }): Promise<OfflineEvidence | null> {
      return guard(() => {
        const c = deps.config();
        if (!c.stores.slot_log) return null;
        const settings = replaySettingsOf(c.optimizer);
        const to = now();
        const from = new Date(to.getTime() - settings.windowHours * HOUR_MS);
        const path = storePath(c, c.stores.slot_log, input.channel);
        const read = readSlotLog(path, {
          channel: input.channel,
          from: from.toISOString(),
          to: to.toISOString(),
          maxRecords: 10 * settings.maxSlots,
        });
        const log = deps.logger.child({ channel: input.channel, slotLog: path });
        if (read.skipped > 0) log.warn({ skipped: read.skipped, errors: read.errors }, 'slot log: bad lines skipped');
        const base = selectionParams(deps.cards(input.channel).load().card, c.planner.selection_batch_size);
        const own = recordsOfCard(read.records, base);
        const records =
          own.length <= settings.maxSlots
            ? own
            : Array.from({ length: settings.maxSlots }, (_, i) => own[Math.floor((i * own.length) / settings.maxSlots)]!);
        if (records.length < 2) {
          log.info({ missing: read.missing, inWindow: read.inWindow, ofLiveCard: own.length }, 'offline replay: too few logged slots');
          return null;
        }
        const evidence = offlineEvidence({
          replay: prepareReplay(records, referenceSelectionEngine),
          base,
          params: input.params,
          current: input.current,
          kpis: input.kpis,
          settings,
          now: to.toISOString(),
        });
        log.info({ slots: evidence.slots, mismatched: evidence.mismatched, moves: evidence.moves.length }, 'offline replay');
        return evidence;
      });
    },
  };
}
