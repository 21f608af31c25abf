/**
 * Pause lengths, exponential backoff and the gradual recovery ramp (4.4, 4.5). Pure and
 * deterministic: no Node imports, bundled into the governor workflow.
 */

export interface BackoffSettings {
  /** The first pause (4.4: 48 h). Level n pauses for base × 2^n. */
  pauseMs: number;
  /** The cap (4.5: 7 days). */
  maxPauseMs: number;
}

/** Levels above this change nothing (base × 2^30 exceeds any sane cap) and keep numbers finite. */
export const MAX_BACKOFF_LEVEL = 30;

const clampLevel = (level: number): number => (Number.isFinite(level) ? Math.min(MAX_BACKOFF_LEVEL, Math.max(0, Math.floor(level))) : 0);

/** Pause for a backoff level: base × 2^level, never above the cap, never negative (4.5). */
export function backoffPauseMs(level: number, s: BackoffSettings): number {
  const base = Number.isFinite(s.pauseMs) ? Math.max(0, s.pauseMs) : 0;
  const cap = Number.isFinite(s.maxPauseMs) ? Math.max(0, s.maxPauseMs) : 0;
  return Math.min(cap, base * 2 ** clampLevel(level));
}

export function nextBackoffLevel(level: number): number {
  return Math.min(MAX_BACKOFF_LEVEL, clampLevel(level) + 1);
}

/** When a pause of `durationMs` started at `startMs` ends; a negative or NaN duration counts as 0. */
export function pauseEndMs(startMs: number, durationMs: number): number {
  return startMs + (Number.isFinite(durationMs) ? Math.max(0, durationMs) : 0);
}

/** Time left of a pause; never negative, 0 once it is over. */
export function remainingPauseMs(untilMs: number, nowMs: number): number {
  return Math.max(0, untilMs - nowMs);
}

/**
 * Step scale during the recovery after a pause: `ramp[step]`, e.g. 0.25 → 0.5 → 1 over
 * successive successful cycles. Beyond the ramp (or with an empty one) the scale is 1.
 */
export function recoveryStepScale(step: number, ramp: readonly number[]): number {
  if (ramp.length === 0) return 1;
  const i = Math.max(0, Math.floor(step));
  return i >= ramp.length ? 1 : clampScale(ramp[i]);
}

/** True when the ramp has reached its last step: the recovery is over. */
export function recoveryComplete(step: number, ramp: readonly number[]): boolean {
  return ramp.length === 0 || step >= ramp.length - 1;
}

/** The step scale a cycle gets: the smaller of drift mode's and the recovery ramp's (1 when neither). */
export function effectiveStepScale(opts: { driftScale: number | null; recoveryStep: number | null; ramp: readonly number[] }): number {
  const drift = opts.driftScale === null ? 1 : clampScale(opts.driftScale);
  const recovery = opts.recoveryStep === null ? 1 : recoveryStepScale(opts.recoveryStep, opts.ramp);
  return Math.min(drift, recovery);
}

function clampScale(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}
