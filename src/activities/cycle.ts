import { completeBounds } from '../domain/bounds';
import type { KpiDef, ParamDef, ParameterBounds, ParameterChange } from '../domain/types';
import { applyToCardYaml, parseCard } from '../adapters/card-store';
import type { Alert } from '../adapters/alerts';
import type { CurrentCard, CycleOutcome, CycleReport, CycleTrigger, DecisionRecord } from '../domain/records';
import type { DeploymentStatus } from '../adapters/history';
import { getPath, selectionParams, type SelectionParams } from '../config/card';
import { optimizerOptionsOf } from '../config/schema';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';
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
  /** The optimizer's options from the config (absent in cycles started before it existed). */
  optimizer?: ReturnType<typeof optimizerOptionsOf>;
}

export type { CurrentCard };

const MINUTE = 60_000;
const ACTIVE: DeploymentStatus[] = ['active', 'promoted'];

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
        kpis: c.kpis,
        maxChanges: c.autopilot.max_changes_per_cycle,
        windowHours: c.autopilot.analysis_window_hours,
        minSamples: c.autopilot.min_samples_for_analysis,
        operationTimeoutMs: c.autopilot.operation_timeout_minutes * MINUTE,
        optimizer: optimizerOptionsOf(c.optimizer),
        canary: {
          trafficPercentage: c.canary.traffic_percentage,
          durationMs: c.canary.duration_minutes * MINUTE,
          checkIntervalMs: c.canary.check_interval_minutes * MINUTE,
          inconclusiveWindowMs: c.canary.inconclusive_decision_window_minutes * MINUTE,
          confidenceLevel: c.canary.confidence_level,
          nonInferiorityMargin: c.canary.non_inferiority_margin,
          minSamplesPerGroup: c.canary.min_samples_per_group,
        },
      };
    },

    /**
     * Loads and validates the live card (10.1) and makes sure history knows it: the first card is
     * stored as `bootstrap`, a card edited by hand since the last version as `manual` (10.5).
     */
    async readCard(input: { channel: string }): Promise<CurrentCard> {
      return guard(() => {
        const store = deps.cards(input.channel);
        const loaded = store.load();
        const params = deps.config().parameters;
        const values: Record<string, number> = {};
        for (const p of params) {
          const v = getPath(loaded.card, p.card_path);
          if (typeof v !== 'number') throw new ValidationError(store.path, [`${p.card_path}: expected a number for parameter ${p.name}`]);
          values[p.name] = v;
        }
        const latest = deps.history.latest(input.channel, { status: ACTIVE });
        let versionId = latest?.version_id;
        if (!latest || latest.sha256 !== loaded.sha256) {
          const meta = deps.history.storeVersion(input.channel, loaded.yaml, {
            parent: latest?.version_id ?? null,
            source: latest ? 'manual' : 'bootstrap',
            changes: [],
            rationale: latest ? 'card edited outside the autopilot; recorded as found' : 'first card seen by the autopilot',
            deployment: { status: 'active', updated_at: now().toISOString() },
          });
          if (latest) deps.history.updateDeployment(input.channel, latest.version_id, { ...latest.deployment, status: 'superseded', updated_at: now().toISOString() });
          versionId = meta.version_id;
        }
        return { sha256: loaded.sha256, values, versionId: versionId! };
      });
    },

    /**
     * Current sliding bounds (initialised on first use) and, per parameter, the value in force
     * 24 h ago: the daily delta is measured from it, so manual re-runs cannot add up (2.5).
     */
    async loadBounds(input: { channel: string; params: ParamDef[]; current: Record<string, number> }): Promise<{
      bounds: ParameterBounds[];
      reference: Record<string, number>;
    }> {
      return guard(() => {
        const at = now();
        const stored = deps.boundsStore.get(input.channel);
        const bounds = completeBounds(input.params, stored, at.toISOString());
        const fresh = bounds.filter((b) => !stored.some((s) => s.parameter === b.parameter));
        if (fresh.length) {
          deps.boundsStore.save(
            input.channel,
            bounds,
            fresh.map((b) => ({
              channel: input.channel, parameter: b.parameter, at: at.toISOString(), kind: 'init' as const,
              old_min: null, old_max: null, new_min: b.min, new_max: b.max, rationale: 'initial bounds from config',
            })),
          );
        }
        const dayAgo = new Date(at.getTime() - 86_400_000).toISOString();
        const versions = deps.history.list(input.channel, { status: [...ACTIVE, 'superseded'] }).items;
        // newest first: the first version created at or before 24 h ago was in force then
        const then = versions.find((v) => v.created_at <= dayAgo) ?? versions[versions.length - 1];
        const reference: Record<string, number> = { ...input.current };
        if (then) {
          const old = deps.history.getVersion(input.channel, then.version_id);
          if (old) {
            const { card } = applyToCardYaml(old.yaml, [], 'history');
            for (const p of input.params) {
              const v = getPath(card, p.card_path);
              if (typeof v === 'number') reference[p.name] = v;
            }
          }
        }
        return { bounds, reference };
      });
    },

    /** Writes the candidate card into history (status `canary`); idempotent per cycle. */
    async prepareVersion(input: { channel: string; cycleId: string; parentVersionId: string; changes: ParameterChange[] }): Promise<{
      versionId: string;
      sha256: string;
      /** The candidate's selection parameters (what the golden set runs with). */
      params: SelectionParams;
    }> {
      return guard(() => {
        const existing = deps.history.list(input.channel, { limit: 50 }).items.find((v) => v.cycle_id === input.cycleId);
        if (existing) {
          const stored = deps.history.getVersion(input.channel, existing.version_id)!;
          return { versionId: existing.version_id, sha256: existing.sha256, params: selectionParams(parseCard(stored.yaml, 'history').card) };
        }
        const store = deps.cards(input.channel);
        const current = store.load();
        const next = applyToCardYaml(current.yaml, input.changes.map((c) => ({ cardPath: c.cardPath, value: c.newValue })), `${store.path} (proposed)`);
        const meta = deps.history.storeVersion(input.channel, next.yaml, {
          parent: input.parentVersionId,
          source: 'autopilot',
          changes: input.changes,
          rationale: input.changes.map((c) => `${c.parameter} ${c.oldValue} → ${c.newValue}: ${c.rationale}`).join('; '),
          cycle_id: input.cycleId,
          deployment: { status: 'canary', updated_at: now().toISOString() },
        });
        return { versionId: meta.version_id, sha256: meta.sha256, params: selectionParams(next.card) };
      });
    },

    /** Marks a candidate version that never reached the canary (golden set failed). */
    async rejectVersion(input: { channel: string; versionId: string; note: string }): Promise<void> {
      deps.history.updateDeployment(input.channel, input.versionId, { status: 'rejected', updated_at: now().toISOString(), note: input.note });
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
    async maintainHistory(input: { channel: string; cycleId: string }): Promise<{ archived: number; archive?: string; integrityOk: boolean; problems: number }> {
      const days = deps.config().stores.history_retention_days;
      const r = deps.history.applyRetention(input.channel, { days, now: now() });
      const integrity = deps.history.verifyIntegrity(input.channel);
      if (!integrity.ok) {
        await deps.alerts.raise({
          severity: 'critical', channel: input.channel, cycleId: input.cycleId, name: 'history_integrity',
          summary: `history integrity check found ${integrity.problems.length} problem(s): ${integrity.problems.slice(0, 3).map((p) => `${p.kind} ${p.file}`).join('; ')}`,
          details: { problems: integrity.problems.slice(0, 50) },
        });
      }
      return { archived: r.archived, archive: r.archive, integrityOk: integrity.ok, problems: integrity.problems.length };
    },

    /** Raises an alert (the alerter stores it in the audit log first, then sends it). */
    async raiseAlert(alert: Alert): Promise<void> {
      await deps.alerts.raise(alert);
    },
  };
}
