/**
 * The payloads of the governor's signals and updates (9.1-9.5, 4.x): one zod schema each, the
 * TypeScript type inferred from it. Checked where they arrive (signal handler, update validator)
 * and by clients before sending. Imported by workflow code: no Node imports.
 */
import { z } from 'zod';
import { REPORTED_OUTCOMES } from './drift';
import type { GovernorSettings } from './state';
import { shown } from '../payload';

const text = z
  .string({ error: 'expected a non-empty string' })
  .refine((s) => s.trim().length > 0, { error: 'expected a non-empty string' });
const finite = z.number({ error: 'expected a finite number' }).refine(Number.isFinite, { error: 'expected a finite number' });
const durationMs = z
  .number({ error: 'expected a positive number of milliseconds' })
  .refine((n) => Number.isFinite(n) && n > 0, { error: 'expected a positive number of milliseconds' })
  .optional();
const isoTime = z
  .string({ error: 'expected an ISO date-time' })
  .refine((s) => Number.isFinite(Date.parse(s)), { error: 'expected an ISO date-time' });
const parameterNames = z.array(z.string(), { error: 'expected a list of parameter names' }).optional();

/** Settings a cycle brings from the live config; only their shape is checked (they come from a validated config). */
const settingsShape = (v: unknown): v is GovernorSettings =>
  v !== null &&
  typeof v === 'object' &&
  Array.isArray((v as { parameters?: unknown }).parameters) &&
  typeof (v as { pauseMs?: unknown }).pauseMs === 'number' &&
  (v as { pauseMs: number }).pauseMs > 0;

export const PausePayloadSchema = z.object({ by: text, reason: text, durationMs });
export const ResumePayloadSchema = z.object({ by: text, reason: text });
export const EmergencyPausePayloadSchema = z.object({ by: text, reason: text });
export const ConfigFlagPayloadSchema = z.object({ emergencyPause: z.boolean({ error: 'expected true or false' }) });
export const OverrideBoundsPayloadSchema = z.object({ parameter: text, min: finite, max: finite, reason: text, by: text, durationMs });
export const ClearOverridePayloadSchema = z.object({ parameter: text, by: text, reason: text });
export const MayRunRequestSchema = z.object({
  cycleId: text,
  at: isoTime,
  /** The settings from the live config: a governor adopts them, so config edits reach a running one. */
  settings: z
    .custom<GovernorSettings>(settingsShape, { error: 'expected governor settings (parameters, pauseMs > 0, …) or nothing' })
    .optional(),
});
export const RegisterCanaryRequestSchema = z.object({ cycleId: text, canaryId: text });
export const OutcomeReportSchema = z.object({
  cycleId: text,
  /** ISO time of the outcome (clamped to the governor's clock). */
  at: isoTime,
  outcome: z.enum(REPORTED_OUTCOMES, { error: (iss) => `expected one of ${REPORTED_OUTCOMES.join(', ')}, got ${shown(iss.input)}` }),
  /** autopilot_pred_vs_real_error of the cycle's change (4.1, 8.1), when a canary measured it. */
  predictionError: z
    .number({ error: 'expected a non-negative finite number or nothing' })
    .refine((n) => Number.isFinite(n) && n >= 0, { error: 'expected a non-negative finite number or nothing' })
    .optional(),
  /** Parameters the cycle changed (drift mode reports them for contraction). */
  changedParameters: parameterNames,
  /** Parameters whose change was rolled back. */
  rolledBackParameters: parameterNames,
});

export type PausePayload = z.infer<typeof PausePayloadSchema>;
export type ResumePayload = z.infer<typeof ResumePayloadSchema>;
export type EmergencyPausePayload = z.infer<typeof EmergencyPausePayloadSchema>;
export type ConfigFlagPayload = z.infer<typeof ConfigFlagPayloadSchema>;
export type OverrideBoundsPayload = z.infer<typeof OverrideBoundsPayloadSchema>;
export type ClearOverridePayload = z.infer<typeof ClearOverridePayloadSchema>;
export type MayRunRequest = z.infer<typeof MayRunRequestSchema>;
export type RegisterCanaryRequest = z.infer<typeof RegisterCanaryRequestSchema>;
export type OutcomeReport = z.infer<typeof OutcomeReportSchema>;
