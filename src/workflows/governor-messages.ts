/**
 * The governor's signals, updates and query, their payload checks, and its ids. Shared by the
 * workflow, the activities (which call the updates), the config watcher, the CLI and tests.
 * Imported by workflow code: no Node imports.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ValidationError } from '../config/errors';
import { REPORTED_OUTCOMES } from '../domain/governor';
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
// Each throws a ValidationError naming every bad field; update validators reject with it, signal
// handlers record it in `state.rejected`, and clients may call them before sending.

type Obj = Record<string, unknown>;
const text = (o: Obj, k: string, errs: string[]) => {
  if (typeof o[k] !== 'string' || !(o[k] as string).trim()) errs.push(`${k}: expected a non-empty string`);
};
const num = (o: Obj, k: string, errs: string[], optional = false) => {
  if (optional && o[k] === undefined) return;
  if (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number))
    errs.push(`${k}: expected a finite number${optional ? ' or nothing' : ''}`);
};
const positiveMs = (o: Obj, k: string, errs: string[]) => {
  if (o[k] === undefined) return;
  if (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number) || (o[k] as number) <= 0)
    errs.push(`${k}: expected a positive number of milliseconds`);
};
const isoTime = (o: Obj, k: string, errs: string[]) => {
  if (typeof o[k] !== 'string' || !Number.isFinite(Date.parse(o[k] as string))) errs.push(`${k}: expected an ISO date-time`);
};

function check(what: string, p: unknown, rules: (o: Obj, errs: string[]) => void): void {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new ValidationError(what, ['(root): expected an object']);
  const errs: string[] = [];
  rules(p as Obj, errs);
  if (errs.length) throw new ValidationError(what, errs);
}

export function validatePause(p: unknown): asserts p is PausePayload {
  check('governor pause', p, (o, e) => (text(o, 'by', e), text(o, 'reason', e), positiveMs(o, 'durationMs', e)));
}

export function validateResume(p: unknown): asserts p is ResumePayload {
  check('governor resume', p, (o, e) => (text(o, 'by', e), text(o, 'reason', e)));
}

export function validateEmergencyPause(p: unknown): asserts p is EmergencyPausePayload {
  check('governor emergencyPause', p, (o, e) => (text(o, 'by', e), text(o, 'reason', e)));
}

export function validateConfigFlag(p: unknown): asserts p is ConfigFlagPayload {
  check('governor configFlag', p, (o, e) => {
    if (typeof o.emergencyPause !== 'boolean') e.push('emergencyPause: expected true or false');
  });
}

/** An override must name a tuned parameter and stay inside its hard limits (2.4 holds even in an emergency). */
export function validateOverride(p: unknown, settings: Pick<GovernorSettings, 'parameters'>): asserts p is OverrideBoundsPayload {
  check('governor overrideBounds', p, (o, e) => {
    text(o, 'parameter', e);
    text(o, 'reason', e);
    text(o, 'by', e);
    num(o, 'min', e);
    num(o, 'max', e);
    positiveMs(o, 'durationMs', e);
    if (e.length) return;
    const min = o.min as number;
    const max = o.max as number;
    if (min >= max) e.push(`min: expected below max (${max}), got ${min}`);
    const param = settings.parameters.find((x) => x.name === o.parameter);
    if (settings.parameters.length && !param)
      e.push(`parameter: expected one of ${settings.parameters.map((x) => x.name).join(', ')}, got ${String(o.parameter)}`);
    if (param && (min < param.hardMin || max > param.hardMax))
      e.push(`min/max: [${min}, ${max}] leaves the hard limits [${param.hardMin}, ${param.hardMax}] of ${param.name}`);
  });
}

export function validateClearOverride(p: unknown): asserts p is ClearOverridePayload {
  check('governor clearOverride', p, (o, e) => (text(o, 'parameter', e), text(o, 'by', e), text(o, 'reason', e)));
}

export function validateMayRun(p: unknown): asserts p is MayRunRequest {
  check('governor mayRun', p, (o, e) => {
    text(o, 'cycleId', e);
    isoTime(o, 'at', e);
    const st = o.settings as Obj | undefined;
    if (
      st !== undefined &&
      (st === null || typeof st !== 'object' || !Array.isArray(st.parameters) || typeof st.pauseMs !== 'number' || !(st.pauseMs > 0))
    )
      e.push('settings: expected governor settings (parameters, pauseMs > 0, …) or nothing');
  });
}

export function validateRegisterCanary(p: unknown): asserts p is RegisterCanaryRequest {
  check('governor registerCanary', p, (o, e) => (text(o, 'cycleId', e), text(o, 'canaryId', e)));
}

export function validateReport(p: unknown): asserts p is OutcomeReport {
  check('governor reportOutcome', p, (o, e) => {
    text(o, 'cycleId', e);
    isoTime(o, 'at', e);
    if (!(REPORTED_OUTCOMES as readonly unknown[]).includes(o.outcome))
      e.push(`outcome: expected one of ${REPORTED_OUTCOMES.join(', ')}, got ${String(o.outcome)}`);
    if (
      o.predictionError !== undefined &&
      (typeof o.predictionError !== 'number' || !Number.isFinite(o.predictionError) || o.predictionError < 0)
    ) {
      e.push('predictionError: expected a non-negative finite number or nothing');
    }
    for (const k of ['changedParameters', 'rolledBackParameters']) {
      const v = o[k];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
        e.push(`${k}: expected a list of parameter names`);
    }
  });
}
