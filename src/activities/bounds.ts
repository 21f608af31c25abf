/**
 * The sliding bounds' I/O (2.1-2.5): the bounds a cycle checks against with the value in force
 * 24 h ago, the policy, and the update after a cycle. The decisions are in src/domain/bounds.ts.
 */
import { DEFAULT_BOUNDS_POLICY, completeBounds, updateBounds, type BoundsPolicy } from '../domain/bounds';
import type { BoundsAdjustmentRecord, ParamDef, ParameterBounds, ParameterChange } from '../domain/types';
import { applyToCardYaml } from '../adapters/card-store';
import type { DeploymentStatus } from '../adapters/history';
import { getPath } from '../config/card';
import type { AutopilotConfig } from '../config/schema';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';

const ACTIVE: DeploymentStatus[] = ['active', 'promoted'];

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

export function createBoundsActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
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
              channel: input.channel,
              parameter: b.parameter,
              at: at.toISOString(),
              kind: 'init' as const,
              old_min: null,
              old_max: null,
              new_min: b.min,
              new_max: b.max,
              rationale: 'initial bounds from config',
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
        if (typeof input.outcome !== 'string' || input.outcome === '')
          problems.push('outcome: expected a cycle outcome such as promoted or rolled_back');
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
          const u = updateBounds(
            input.channel,
            b,
            { outcome: input.outcome, changed: change !== undefined, current: value, at: input.at },
            policy,
          );
          adjustments.push(...u.adjustments);
          return u.bounds;
        });
        deps.boundsStore.save(input.channel, bounds, adjustments);
        if (adjustments.length) deps.logger.info({ channel: input.channel, adjustments }, 'sliding bounds adjusted');
        return { bounds, adjustments };
      });
    },
  };
}
