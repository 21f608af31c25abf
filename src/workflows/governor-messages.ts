/**
 * The governor's signals, updates and query, their payload checks, and its ids. Shared by the
 * workflow, the activities (which call the updates), the config watcher, the CLI and tests.
 * Imported by workflow code: no Node imports.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ValidationError } from '../config/errors';
import { checkPayload, type PayloadCheck } from '../domain/payload';
import {
  ClearOverridePayloadSchema,
  ConfigFlagPayloadSchema,
  EmergencyPausePayloadSchema,
  MayRunRequestSchema,
  OutcomeReportSchema,
  OverrideBoundsPayloadSchema,
  PausePayloadSchema,
  RegisterCanaryRequestSchema,
  ResumePayloadSchema,
} from '../domain/governor';
import type { GovernorSettings, GovernorState, GovernorStatus } from '../domain/governor';
import type {
  ClearOverridePayload,
  ConfigFlagPayload,
  EmergencyPausePayload,
  MayRunAnswer,
  MayRunRequest,
  OverrideBoundsPayload,
  PausePayload,
  RegisterCanaryAnswer,
  RegisterCanaryRequest,
  ResumePayload,
} from '../domain/governor';
import type { OutcomeAnswer, OutcomeReport } from '../domain/governor';

export type {
  GovernorSettings,
  GovernorState,
  GovernorStatus,
  GovernorMode,
  BoundsOverride,
  PauseState,
  PauseSource,
  DriftModeState,
} from '../domain/governor';
export type {
  ClearOverridePayload,
  ConfigFlagPayload,
  EmergencyPausePayload,
  MayRunAnswer,
  MayRunRequest,
  OverrideBoundsPayload,
  PausePayload,
  RegisterCanaryAnswer,
  RegisterCanaryRequest,
  ResumePayload,
} from '../domain/governor';
export type { OutcomeAnswer, OutcomeReport } from '../domain/governor';
export type { DriftEvent } from '../domain/governor';

export const SA_STATE = defineSearchAttributeKey('VvtvState', SearchAttributeType.KEYWORD);

export const governorWorkflowId = (channel: string) => `autopilot-governor/${channel}`;

export interface GovernorInput {
  channel: string;
  /** Carried over by continueAsNew; absent on the first start. */
  state?: GovernorState;
  settings: GovernorSettings;
}

/** The governor workflow's signature: the activities start it by name with update-with-start. */
export type AutopilotGovernorWorkflow = (input: GovernorInput) => Promise<void>;

export const pauseSignal = defineSignal<[PausePayload]>('governorPause');
export const resumeSignal = defineSignal<[ResumePayload]>('governorResume');
export const emergencyPauseSignal = defineSignal<[EmergencyPausePayload]>('governorEmergencyPause');
export const overrideBoundsSignal = defineSignal<[OverrideBoundsPayload]>('governorOverrideBounds');
export const clearOverrideSignal = defineSignal<[ClearOverridePayload]>('governorClearOverride');
export const configFlagSignal = defineSignal<[ConfigFlagPayload]>('governorConfigFlag');

export const mayRunUpdate = defineUpdate<MayRunAnswer, [MayRunRequest]>('governorMayRun');
export const registerCanaryUpdate = defineUpdate<RegisterCanaryAnswer, [RegisterCanaryRequest]>('governorRegisterCanary');
export const reportOutcomeUpdate = defineUpdate<OutcomeAnswer, [OutcomeReport]>('governorReportOutcome');

export const governorStatusQuery = defineQuery<GovernorStatus>('governorStatus');

// ------------------------------------------------------------------ payload checks
// Each throws a ValidationError naming every bad field (schemas: domain/governor/payloads.ts); update
// validators reject with it, signal handlers record it in `state.rejected`, and clients may call them
// before sending.

function check<T>(what: string, r: PayloadCheck<T>): T {
  if ('problems' in r) throw new ValidationError(what, r.problems);
  return r.value;
}

export function validatePause(p: unknown): asserts p is PausePayload {
  check('governor pause', checkPayload('', PausePayloadSchema, p));
}

export function validateResume(p: unknown): asserts p is ResumePayload {
  check('governor resume', checkPayload('', ResumePayloadSchema, p));
}

export function validateEmergencyPause(p: unknown): asserts p is EmergencyPausePayload {
  check('governor emergencyPause', checkPayload('', EmergencyPausePayloadSchema, p));
}

export function validateConfigFlag(p: unknown): asserts p is ConfigFlagPayload {
  check('governor configFlag', checkPayload('', ConfigFlagPayloadSchema, p));
}

/** An override must name a tuned parameter and stay inside its hard limits (2.4 holds even in an emergency). */
export function validateOverride(p: unknown, settings: Pick<GovernorSettings, 'parameters'>): asserts p is OverrideBoundsPayload {
  const { parameter, min, max } = check('governor overrideBounds', checkPayload('', OverrideBoundsPayloadSchema, p));
  const e: string[] = [];
  if (min >= max) e.push(`min: expected below max (${max}), got ${min}`);
  const param = settings.parameters.find((x) => x.name === parameter);
  if (settings.parameters.length && !param)
    e.push(`parameter: expected one of ${settings.parameters.map((x) => x.name).join(', ')}, got ${parameter}`);
  if (param && (min < param.hardMin || max > param.hardMax))
    e.push(`min/max: [${min}, ${max}] leaves the hard limits [${param.hardMin}, ${param.hardMax}] of ${param.name}`);
  if (e.length) throw new ValidationError('governor overrideBounds', e);
}

export function validateClearOverride(p: unknown): asserts p is ClearOverridePayload {
  check('governor clearOverride', checkPayload('', ClearOverridePayloadSchema, p));
}

export function validateMayRun(p: unknown): asserts p is MayRunRequest {
  check('governor mayRun', checkPayload('', MayRunRequestSchema, p));
}

export function validateRegisterCanary(p: unknown): asserts p is RegisterCanaryRequest {
  check('governor registerCanary', checkPayload('', RegisterCanaryRequestSchema, p));
}

export function validateReport(p: unknown): asserts p is OutcomeReport {
  check('governor reportOutcome', checkPayload('', OutcomeReportSchema, p));
}
