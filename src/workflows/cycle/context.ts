/** What the cycle's steps share: its identity, settings, activities and the record they fill. */
import type { CycleSettings } from '../../activities';
import type { MayRunAnswer } from '../../domain/governor';
import type { CurrentCard, CycleOutcome, CyclePhase, CycleReport } from '../../domain/records';
import type { DecisionKind } from '../../domain/records';
import type { CanaryVerdict, ParameterChange } from '../../domain/types';
import type { CycleInput } from '../messages';
import type { WorkflowActivities } from '../proxies';

export interface CycleContext {
  cycleId: string;
  channel: string;
  input: CycleInput;
  settings: CycleSettings;
  acts: WorkflowActivities;
  /** The cycle record's report, filled step by step. */
  report: CycleReport;
  phase: CyclePhase;
  /** The changes that go (or went) to the canary. */
  changes: ParameterChange[];
  canaryId: string | null;
  versionId?: string;
  /** The governor's answer; set by the first step inside the cycle's error handling. */
  governor?: MayRunAnswer;
  card?: CurrentCard;
}

/** How a step ends the cycle early (or the canary step ends it normally). */
export interface CycleEnd {
  end: CycleOutcome;
  message: string;
  verdict?: CanaryVerdict;
  predictionError?: number;
}

export const isEnd = (x: unknown): x is CycleEnd => typeof x === 'object' && x !== null && 'end' in x;

/** Appends one decision with its evidence to the audit log (8.4). */
export const decide = (ctx: CycleContext, kind: DecisionKind, summary: string, payload: unknown) =>
  ctx.acts.recordDecision({ channel: ctx.channel, cycle_id: ctx.cycleId, kind, summary, payload });

export const now = (): string => new Date().toISOString();
