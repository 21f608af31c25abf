/**
 * Signals, queries and workflow input/output types shared by workflows, the CLI and tests.
 * Imported by workflow code: no Node imports.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { EmergencyStopSchema, OperatorDecisionSchema, type EmergencyStop, type OperatorDecision } from '../domain/canary';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CycleOutcome, CyclePhase, CycleTrigger } from '../domain/records';

export type { CanaryResult } from '../domain/records';
import type { CanaryVerdict, ChangePurpose, KpiDef, ParameterChange } from '../domain/types';

export { EmergencyStopSchema, OperatorDecisionSchema, type EmergencyStop, type OperatorDecision };
/** A canary signal's payload checked by its schema: the value, or the problems naming each field. Never throws. */
export { checkPayload as checkSignalPayload } from '../domain/payload';

export const SA_CHANNEL = defineSearchAttributeKey('VvtvChannel', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('VvtvOutcome', SearchAttributeType.KEYWORD);

export const cycleWorkflowId = (channel: string, suffix: string) => `autopilot-cycle/${channel}/${suffix}`;
export const canaryWorkflowId = (channel: string, cycleId: string) =>
  `canary/${channel}/${cycleId.replace(/^autopilot-cycle\/[^/]+\//, '')}`;
export const dailyScheduleId = (channel: string) => `autopilot-daily/${channel}`;

/** Durations a test or demo may shorten; the config's values apply otherwise. */
export interface CanaryTiming {
  durationMs?: number;
  checkIntervalMs?: number;
  inconclusiveWindowMs?: number;
  maxStages?: number;
}

/** An operator-specified change (force-deploy, tests): it still goes through bounds and the canary. */
export interface RequestedChange {
  parameter: string;
  value: number;
}

export interface CycleInput {
  channel: string;
  trigger: CycleTrigger;
  /** Overrides of the canary's timing (demo, tests). */
  canary?: CanaryTiming;
  /** Skip the proposer and test exactly these changes. */
  changes?: RequestedChange[];
  reason?: string;
  /**
   * Emergency deployment without the golden set (9.2): authorised by the operator token the CLI
   * deposits for this cycle id (never part of the input, so never in history). Audited, alerted.
   */
  bypassGolden?: { by: string; reason: string };
}

export interface CycleResult {
  cycleId: string;
  channel: string;
  outcome: CycleOutcome;
  versionId?: string;
  verdict?: CanaryVerdict;
  changes: ParameterChange[];
  predictionError?: number;
  message: string;
}

/** How a canary runs and judges (3.1-3.5): the config's `canary` section in milliseconds. */
/** How a switchback canary cuts its time (canary.switchback in the config). */
export interface SwitchbackPolicy {
  blockMs: number;
  washoutMs: number;
  /** The canary's share of blocks. */
  share: number;
  minRowsPerBlock: number;
  minBlocksPerArm: number;
}

export interface CanaryPolicy {
  /** overlay: the planner plays the overlay on a share of slots; switchback: the card alternates in time blocks. */
  mode: 'overlay' | 'switchback';
  switchback: SwitchbackPolicy;
  trafficPercentage: number;
  durationMs: number;
  checkIntervalMs: number;
  inconclusiveWindowMs: number;
  confidenceLevel: number;
  nonInferiorityMargin: number;
  minSamplesPerGroup: number;
  /** Group-sequential stages, each durationMs long (issue 12); 1 when absent. */
  maxStages?: number;
}

export interface CanaryInput extends CanaryPolicy {
  channel: string;
  cycleId: string;
  canaryId: string;
  versionId: string;
  /** SHA256 of the live card the candidate was built from: promotion refuses if it changed. */
  parentSha: string;
  changes: ParameterChange[];
  kpis: KpiDef[];
  operationTimeoutMs: number;
  /** What the changes were made for (canaryPurpose): the judge tests that; the primary when absent. */
  purpose?: ChangePurpose;
}

export type CanaryPhase = 'deploying' | 'monitoring' | 'awaiting_operator' | 'promoting' | 'rolling_back' | 'promoted' | 'rolled_back';

export interface CanaryStatus {
  canaryId: string;
  phase: CanaryPhase;
  checksDone: number;
  /** Checks over every planned stage. */
  totalChecks: number;
  /** The stage being run (1-based), of maxStages. */
  stage?: number;
  maxStages?: number;
  lastVerdict: CanaryVerdict | null;
  startedAt: string | null;
}

/** An operator decides an Inconclusive (or any running) canary (3.4). */
export const canaryDecisionSignal = defineSignal<[OperatorDecision]>('canaryDecision');
/** Roll the canary back now (emergency pause, 9.1). */
export const emergencyStopSignal = defineSignal<[EmergencyStop]>('emergencyStop');
export const canaryStatusQuery = defineQuery<CanaryStatus>('canaryStatus');
export const cycleStatusQuery = defineQuery<{ phase: CyclePhase; canaryId: string | null; changes: ParameterChange[] }>('cycleStatus');
