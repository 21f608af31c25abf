/** What `status`, `report` and `drift-check` show: one computation for every reader (8.2, 4.x, 9.1). */
import type { Deps } from '../activities/deps';
import { shippedChanges, type CanaryRecord, type CycleRecord } from '../domain/records';
import { forecastPass } from '../domain/cycle';
import { getPath } from '../config/card';
import { rollbackRate, type RollbackRate } from '../domain/governor';
import type { BoundsOverride } from '../domain/governor';
import type { ParameterBounds } from '../domain/types';
import { controlView, governorNumbers, storedOutcomes, type ControlView, type GovernorNumbers, type GovernorReading } from './governor';

type ReadDeps = Pick<Deps, 'config' | 'cycleLog' | 'canaryLog' | 'boundsStore' | 'auditLog' | 'cards'>;
const DAY = 86_400_000;
/** More canaries than a report's period holds (one a day). */
const CANARY_LIMIT = 2000;

export interface ChannelStatus extends ControlView {
  channel: string;
  card: { path: string; sha256: string; values: Record<string, unknown> };
  canary: CanaryRecord | null;
  cycles: CycleRecord[];
  bounds: ParameterBounds[];
}

/** The channel now: the governor's pause and mode, the live card, the running canary, recent cycles, bounds. */
export function channelStatus(deps: ReadDeps, reading: GovernorReading, channel: string): ChannelStatus {
  const config = deps.config();
  const store = deps.cards(channel);
  const card = store.load();
  return {
    channel,
    ...controlView(reading, config),
    card: {
      path: store.path,
      sha256: card.sha256,
      values: Object.fromEntries(config.parameters.map((p) => [p.name, getPath(card.card, p.card_path)])),
    },
    canary: deps.canaryLog.list(channel, 1).find((k) => k.status === 'running') ?? null,
    cycles: deps.cycleLog.list(channel, 5),
    bounds: deps.boundsStore.get(channel),
  };
}

export interface ChannelReport {
  channel: string;
  days: number;
  cycles: number;
  byOutcome: Record<string, number>;
  /** Promoted / deployments over the period (8.2). */
  deploymentSuccess: number | null;
  /** Rolled back / deployments over the period, by the governor's rollbackRate (4.3). */
  rollbackRate: number | null;
  /** The governor's p50 of daily prediction errors over its window (4.1). */
  predictionErrorP50: number | null;
  /** Days with a measured prediction error in that window. */
  predictionErrorDays: number;
  governor: GovernorNumbers;
  /** The optimizer's forecasts against its canaries' outcomes over the period. */
  gate: GateRecord;
  targets: { deploymentSuccessAbove: number; rollbackRateBelow: number; predictionErrorP50Below: number };
}

/**
 * The gate's record over a period: the optimizer's forecast P(canary passes) for the canaries it
 * chose, against what they did. Passing far more often than forecast says the gate
 * (optimizer.min_proceed_probability) holds back moves that would pass; far less, that it is loose.
 */
export interface GateRecord {
  minProceedProbability: number;
  /** Finished canaries the optimizer chose (a forecast on record). */
  canaries: number;
  /** Their mean forecast, i.e. the passes expected per canary; null without one. */
  meanForecast: number | null;
  passed: number;
}

/** The gate's forecasts against the outcomes of the finished canaries among `rows`. */
export function gateRecord(rows: Array<{ status: string; forecastPass: number | null }>, minProceedProbability: number): GateRecord {
  const judged = rows.filter((r) => r.forecastPass !== null && (r.status === 'promoted' || r.status === 'rolled_back'));
  return {
    minProceedProbability,
    canaries: judged.length,
    meanForecast: judged.length ? judged.reduce((a, r) => a + r.forecastPass!, 0) / judged.length : null,
    passed: judged.filter((r) => r.status === 'promoted').length,
  };
}

export interface PeriodFigures {
  cycles: number;
  byOutcome: Record<string, number>;
  deploymentSuccess: number | null;
  rollbackRate: number | null;
}

/** Cycles started in the last `days` by outcome; deployment success and rollback rate of the deployments that ended in it. */
export function periodFigures(
  deps: Pick<Deps, 'config' | 'cycleLog' | 'auditLog'>,
  channel: string,
  days: number,
  nowMs = Date.now(),
): PeriodFigures {
  const fromMs = nowMs - days * DAY;
  const cycles = deps.cycleLog.between(channel, new Date(fromMs).toISOString(), new Date(nowMs + 1).toISOString());
  const byOutcome: Record<string, number> = {};
  for (const x of cycles) byOutcome[x.outcome ?? x.status] = (byOutcome[x.outcome ?? x.status] ?? 0) + 1;
  const period: RollbackRate = rollbackRate(storedOutcomes(deps, channel, fromMs, nowMs), nowMs, days, DAY);
  return {
    cycles: cycles.length,
    byOutcome,
    deploymentSuccess: period.deployments ? (period.deployments - period.rollbacks) / period.deployments : null,
    rollbackRate: period.rate,
  };
}

/** Performance over `days`: outcomes and deployment success; the governor's rollback and prediction-error figures. */
export function channelReport(deps: ReadDeps, reading: GovernorReading, channel: string, days: number, nowMs = Date.now()): ChannelReport {
  const numbers = governorNumbers(reading, deps, channel, nowMs);
  const { drift_monitoring: config, optimizer } = deps.config();
  const fromMs = nowMs - days * DAY;
  const canaries = deps.canaryLog
    .list(channel, CANARY_LIMIT)
    .filter((k) => Date.parse(k.started_at) >= fromMs && Date.parse(k.started_at) <= nowMs)
    .map((k) => {
      const cycle = deps.cycleLog.get(k.cycle_id);
      return { status: k.status, forecastPass: cycle ? forecastPass(shippedChanges(cycle.report)) : null };
    });
  return {
    channel,
    days,
    ...periodFigures(deps, channel, days, nowMs),
    predictionErrorP50: numbers.errorP50.p50,
    predictionErrorDays: numbers.errorP50.days,
    governor: numbers,
    gate: gateRecord(canaries, optimizer.min_proceed_probability),
    targets: {
      deploymentSuccessAbove: 0.9,
      rollbackRateBelow: config.rollback_rate_target,
      predictionErrorP50Below: config.error_p50_target,
    },
  };
}

export interface DriftView extends ControlView {
  channel: string;
  numbers: GovernorNumbers & { stepScale: number | null; correctionsOnly: boolean };
  backoffLevel: number | null;
  overrides: BoundsOverride[];
}

/** The governor's view (4.x): pause, drift mode, rates, prediction error, overrides. */
export function driftView(deps: ReadDeps, reading: GovernorReading, channel: string, nowMs = Date.now()): DriftView {
  const s = reading.state === 'running' ? reading.status : null;
  return {
    channel,
    ...controlView(reading, deps.config()),
    numbers: {
      ...governorNumbers(reading, deps, channel, nowMs),
      stepScale: s ? s.numbers.stepScale : null,
      correctionsOnly: s ? s.numbers.correctionsOnly : false,
    },
    backoffLevel: s ? s.backoffLevel : null,
    overrides: s ? s.overrides : [],
  };
}
