import type { KpiDef, ParamDef } from '../domain/types';
import type { Alert } from '../adapters/alerts';
import type { CurrentCard, CycleOutcome, CycleReport, CycleTrigger, DecisionRecord } from '../domain/records';
import { optimizerOptionsOf } from '../config/schema';
import { ValidationError } from '../config/errors';
import type { Deps } from './deps';
import type { CanaryPolicy } from '../workflows/messages';

export interface CycleSettings {
  paused: { paused: boolean; reason: string | null };
  params: ParamDef[];
  kpis: KpiDef[];
  maxChanges: number;
  windowHours: number;
  minSamples: number;
  operationTimeoutMs: number;
  canary: CanaryPolicy;
  /** The optimizer's options from the config's `optimizer` section. */
  optimizer?: ReturnType<typeof optimizerOptionsOf>;
  /** A slot log is configured (`stores.slot_log`): the cycle replays moves offline before it proposes. */
  replay?: boolean;
}

export type { CurrentCard };

const MINUTE = 60_000;

export function createCycleActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /** Records the cycle and returns the settings it runs with (a snapshot of the live config). */
    async beginCycle(input: { cycleId: string; channel: string; trigger: CycleTrigger }): Promise<CycleSettings> {
      const c = deps.config();
      if (!c.channels.includes(input.channel)) {
        throw new ValidationError('cycle input', [`channel: expected one of ${c.channels.join(', ')}, got ${input.channel}`]);
      }
      deps.cycleLog.save({
        cycle_id: input.cycleId,
        channel: input.channel,
        started_at: now().toISOString(),
        status: 'running',
        report: { trigger: input.trigger },
      });
      const reason = c.autopilot.emergency_pause
        ? 'emergency_pause is set in autopilot.yaml'
        : !c.autopilot.enabled
          ? 'autopilot.enabled is false in autopilot.yaml'
          : null;
      return {
        paused: { paused: reason !== null, reason },
        params: c.parameters,
        // The config's KPIs; readCard completes them from the card when the config names none.
        kpis: c.kpis ?? [],
        maxChanges: c.autopilot.max_changes_per_cycle,
        windowHours: c.autopilot.analysis_window_hours,
        minSamples: c.autopilot.min_samples_for_analysis,
        operationTimeoutMs: c.autopilot.operation_timeout_minutes * MINUTE,
        optimizer: optimizerOptionsOf(c.optimizer),
        replay: c.stores.slot_log !== undefined,
        canary: {
          mode: c.canary.mode,
          switchback: {
            blockMs: c.canary.switchback.block_minutes * MINUTE,
            washoutMs: c.canary.switchback.washout_minutes * MINUTE,
            share: c.canary.switchback.share,
            minRowsPerBlock: c.canary.switchback.min_rows_per_block,
            minBlocksPerArm: c.canary.switchback.min_blocks_per_arm,
          },
          trafficPercentage: c.canary.traffic_percentage,
          durationMs: c.canary.duration_minutes * MINUTE,
          checkIntervalMs: c.canary.check_interval_minutes * MINUTE,
          inconclusiveWindowMs: c.canary.inconclusive_decision_window_minutes * MINUTE,
          confidenceLevel: c.canary.confidence_level,
          nonInferiorityMargin: c.canary.non_inferiority_margin,
          minSamplesPerGroup: c.canary.min_samples_per_group,
          maxStages: c.canary.max_stages,
        },
      };
    },

    /** Appends one decision with its evidence to the audit log (8.4) and the structured log. */
    async recordDecision(input: Omit<DecisionRecord, 'at' | 'id'>): Promise<void> {
      deps.auditLog.record({ ...input, at: now().toISOString() });
      deps.logger.info({ channel: input.channel, cycleId: input.cycle_id, kind: input.kind, decision: input.payload }, input.summary);
    },

    async finishCycle(input: {
      cycleId: string;
      channel: string;
      outcome: CycleOutcome;
      versionId?: string;
      canaryId?: string;
      report: CycleReport;
      error?: string;
    }): Promise<void> {
      const prev = deps.cycleLog.get(input.cycleId);
      deps.cycleLog.save({
        cycle_id: input.cycleId,
        channel: input.channel,
        started_at: prev?.started_at ?? now().toISOString(),
        finished_at: now().toISOString(),
        status: input.outcome === 'failed' ? 'failed' : 'completed',
        outcome: input.outcome,
        version_id: input.versionId ?? null,
        canary_id: input.canaryId ?? null,
        report: { ...(prev?.report ?? {}), ...input.report },
        error: input.error ?? null,
      });
      deps.logger.info({ channel: input.channel, cycleId: input.cycleId, outcome: input.outcome }, 'cycle finished');
    },

    /**
     * History housekeeping after a cycle (5.4): versions past the retention period go into a
     * compressed archive (read back before the originals are removed), then the integrity check
     * looks for missing files, hash mismatches and orphans; problems raise an alert.
     */
    async maintainHistory(input: {
      channel: string;
      cycleId: string;
    }): Promise<{ archived: number; archive?: string; integrityOk: boolean; problems: number; tempsRemoved?: string[] }> {
      const days = deps.config().stores.history_retention_days;
      const temps = deps.history.removeLeftoverTemps(input.channel);
      if (temps.length)
        deps.logger.warn({ channel: input.channel, files: temps }, 'removed temp files left by an interrupted history write');
      const r = deps.history.applyRetention(input.channel, { days, now: now() });
      const integrity = deps.history.verifyIntegrity(input.channel);
      if (!integrity.ok) {
        await deps.alerts.raise({
          severity: 'critical',
          channel: input.channel,
          cycleId: input.cycleId,
          name: 'history_integrity',
          summary: `history integrity check found ${integrity.problems.length} problem(s): ${integrity.problems
            .slice(0, 3)
            .map((p) => `${p.kind} ${p.file}`)
            .join('; ')}`,
          details: { problems: integrity.problems.slice(0, 50) },
        });
      }
      return {
        archived: r.archived,
        archive: r.archive,
        integrityOk: integrity.ok,
        problems: integrity.problems.length,
        ...(temps.length ? { tempsRemoved: temps } : {}),
      };
    },

    /** Raises an alert (the alerter stores it in the audit log first, then sends it). */
    async raiseAlert(alert: Alert): Promise<void> {
      await deps.alerts.raise(alert);
    },
  };
}
