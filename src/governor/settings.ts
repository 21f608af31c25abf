import type { AutopilotConfig } from '../config/schema';
import type { GovernorSettings } from '../domain/governor';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/**
 * The governor's settings from the config: every threshold from `drift_monitoring`, every duration
 * in milliseconds and multiplied by `drift_monitoring.time_scale` (1 in production). `overrides`
 * replace single fields (tests and demos).
 */
export function governorSettings(config: AutopilotConfig, overrides: Partial<GovernorSettings> = {}): GovernorSettings {
  const d = config.drift_monitoring;
  const k = d.time_scale;
  // A cycle is stale once its longest canary (every stage, issue 12), the inconclusive window and
  // its activities' timeouts are all past: before that a second cycle is refused.
  const staleMinutes =
    config.canary.duration_minutes * config.canary.max_stages +
    config.canary.inconclusive_decision_window_minutes +
    3 * config.autopilot.operation_timeout_minutes;
  return {
    dayMs: DAY * k,
    windowDays: d.window_days,
    rateWindowDays: d.rate_window_days,
    errorP50Target: d.error_p50_target,
    errorThreshold: d.error_threshold,
    consecutiveDays: d.consecutive_days,
    rollbackRateTarget: d.rollback_rate_target,
    rollbackRatePauseThreshold: d.rollback_rate_pause_threshold,
    rollbackRateMinDeployments: d.rollback_rate_min_deployments,
    failureThreshold: d.failure_threshold,
    pauseMs: (d.backoff_base_hours ?? d.pause_hours) * HOUR * k,
    maxPauseMs: d.max_pause_days * DAY * k,
    driftStepScale: d.drift_step_scale,
    recoveryRamp: [...d.recovery_step_scales],
    overrideDefaultMs: d.override_default_hours * HOUR * k,
    staleCycleMs: staleMinutes * MINUTE,
    maxEventsPerRun: 1000,
    parameters: config.parameters.map((p) => ({ name: p.name, hardMin: p.hard_min, hardMax: p.hard_max })),
    ...overrides,
  };
}
