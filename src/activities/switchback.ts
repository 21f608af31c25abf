/**
 * The switchback canary's effects (docs/vvtv-integration.md): an unmodified VVTV plays one card at
 * a time, so the canary writes the card itself, block by block, and reads rows by their timestamp.
 * The live card is only ever the parent's exact bytes or the candidate's; anything else is a
 * manual edit, which is never overwritten (10.5).
 */
import { planSwitchback, switchbackSummary, type Arm, type SwitchbackKpi, type SwitchbackPlan } from '../domain/canary/switchback';
import { storedMetricType } from '../domain/metric-names';
import type { KpiDef } from '../domain/types';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';
import { openCanaryRecord, type CanaryGroups } from './canary';
import { keepManualEdit } from './card';

export interface SwitchbackSettingsInput {
  durationMs: number;
  blockMs: number;
  washoutMs: number;
  share: number;
}

export interface SwitchResult {
  /** The live card now plays `arm` (written, or already so). */
  switched: boolean;
  /** Set when the live card is neither the parent nor the candidate: someone edited it. */
  manualEdit?: { liveSha: string };
  /** The canary was closed while the switch was on its way: nothing written. */
  closed?: boolean;
}

export function createSwitchbackActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  /** The candidate version and its parent, checked against the canary's parentSha. */
  const versions = (channel: string, versionId: string, parentSha: string) => {
    const version = deps.history.getVersion(channel, versionId);
    if (!version) throw new ValidationError('switchback', [`versionId: no version ${versionId} in history`]);
    const parent = version.meta.parent ? deps.history.getVersion(channel, version.meta.parent) : null;
    if (!parent || parent.meta.sha256 !== parentSha)
      throw new ValidationError('switchback', [
        `versionId: ${versionId} has no parent version with sha ${parentSha.slice(0, 12)} in history`,
      ]);
    return { version, parent };
  };

  return {
    /**
     * Opens the canary record and plans its blocks (seeded by the canary id, so a retry plans the
     * same); the plan goes to the audit log, so every block's arm is explainable afterwards.
     */
    async deploySwitchback(input: {
      channel: string;
      cycleId: string;
      canaryId: string;
      versionId: string;
      parentSha: string;
      settings: SwitchbackSettingsInput;
    }): Promise<{ startedAt: string; plan: SwitchbackPlan }> {
      return guard(async () => {
        versions(input.channel, input.versionId, input.parentSha);
        const { startedAt, opened } = openCanaryRecord(deps, { ...input, share: input.settings.share }, now());
        const plan = planSwitchback(input.canaryId, Date.parse(startedAt), input.settings);
        if (opened) {
          const canaryBlocks = plan.arms.filter((a) => a === 'canary').length;
          deps.auditLog.record({
            channel: input.channel,
            cycle_id: input.cycleId,
            at: startedAt,
            kind: 'switchback_plan',
            summary: `switchback canary: ${plan.arms.length} blocks of ${plan.blockMs / 1000} s, ${canaryBlocks} on the candidate`,
            payload: { canaryId: input.canaryId, versionId: input.versionId, ...plan, settings: input.settings },
          });
        }
        deps.logger.info({ channel: input.channel, canaryId: input.canaryId, blocks: plan.arms.length }, 'switchback canary planned');
        return { startedAt, plan };
      });
    },

    /** Puts the parent's or the candidate's exact bytes live (and reloads the planner), unless someone edited the card. */
    async switchCanaryArm(input: {
      channel: string;
      canaryId: string;
      versionId: string;
      parentSha: string;
      arm: Arm;
      block: number;
    }): Promise<SwitchResult> {
      return guard(async () => {
        if (deps.canaryLog.get(input.canaryId)?.status !== 'running') return { switched: false, closed: true };
        const { version, parent } = versions(input.channel, input.versionId, input.parentSha);
        const store = deps.cards(input.channel);
        const live = store.load();
        if (live.sha256 !== parent.meta.sha256 && live.sha256 !== version.meta.sha256) {
          // 10.5: the edit is kept and recorded as a version at once; the canary stops.
          keepManualEdit(deps, input.channel, live, input.canaryId, now());
          return { switched: false, manualEdit: { liveSha: live.sha256 } };
        }
        const target = input.arm === 'canary' ? version : parent;
        if (live.sha256 !== target.meta.sha256) {
          const written = await store.write(target.yaml);
          if (written.sha256 !== target.meta.sha256)
            throw new Error(`switchback wrote sha ${written.sha256}, expected ${target.meta.sha256} (${input.arm})`);
        }
        deps.logger.info({ channel: input.channel, canaryId: input.canaryId, block: input.block, arm: input.arm }, 'switchback switched');
        return { switched: true };
      });
    },

    /** Block-level summaries of every KPI at this moment (only ended blocks count). */
    async measureSwitchback(input: {
      channel: string;
      canaryId: string;
      plan: SwitchbackPlan;
      kpis: KpiDef[];
      minRowsPerBlock: number;
    }): Promise<{ groups: CanaryGroups; blocks: Record<string, Pick<SwitchbackKpi, 'blocks' | 'rows'>> }> {
      const nowMs = now().getTime();
      const { plan } = input;
      const groups: CanaryGroups = {};
      const blocks: Record<string, Pick<SwitchbackKpi, 'blocks' | 'rows'>> = {};
      for (const k of input.kpis) {
        const parts = deps.metrics.blockParts({
          channel: input.channel,
          metricType: storedMetricType(k),
          from: new Date(plan.startMs).toISOString(),
          to: new Date(Math.min(nowMs, plan.startMs + plan.arms.length * plan.blockMs) + 1).toISOString(),
          startMs: plan.startMs,
          blockMs: plan.blockMs,
          washoutMs: plan.washoutMs,
        });
        const s = switchbackSummary(plan, parts, nowMs, input.minRowsPerBlock);
        groups[k.name] = { control: s.control, canary: s.canary };
        blocks[k.name] = { blocks: s.blocks, rows: s.rows };
        if (s.rows.nonFinite > 0)
          deps.logger.warn(
            { channel: input.channel, canaryId: input.canaryId, kpi: k.name, nonFinite: s.rows.nonFinite },
            'non-finite rows left out',
          );
      }
      return { groups, blocks };
    },
  };
}
