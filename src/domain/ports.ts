/**
 * The autopilot's stores as the domain sees them. Adapters implement these (SQLite today); the
 * activities, the CLI's read model, the metrics exporter and tests depend on these interfaces only.
 */
import type {
  BoundsAdjustment,
  CanaryCheck,
  CanaryRecord,
  CanaryStatusKind,
  CycleRecord,
  DecisionRecord,
  DriftEventRecord,
  TriageReportRecord,
} from './records';
import type { CanaryVerdict, ParameterBounds } from './types';

/** The cycles, one record each, updated as the cycle goes. */
export interface CycleLog {
  save(c: CycleRecord): void;
  get(cycleId: string): CycleRecord | null;
  /** Newest first. */
  list(channel: string, limit?: number): CycleRecord[];
  /** Cycles started in [from, to), oldest first. */
  between(channel: string, from: string, to: string): CycleRecord[];
}

/** The canaries: each check with its time, and the verdict the canary ended on (3.x). */
export interface CanaryLog {
  /** Creates the record of a starting canary (no-op when it exists). */
  open(c: Omit<CanaryRecord, 'checks' | 'status'>): void;
  get(canaryId: string): CanaryRecord | null;
  /** Appends one check (idempotent on its index). */
  appendCheck(canaryId: string, check: CanaryCheck): void;
  /** Closes a running canary with its verdict; false when it was not running. */
  close(
    canaryId: string,
    end: { status: Exclude<CanaryStatusKind, 'running'>; at: string; verdict: CanaryVerdict | null; decidedBy: string },
  ): boolean;
  /** Newest first. */
  list(channel: string, limit?: number): CanaryRecord[];
}

/** The audit log (8.4): every decision and alert with its evidence. */
export interface AuditLog {
  /** Returns the record's id. */
  record(d: DecisionRecord): number;
  /** One cycle's decisions, oldest first; or the channel's newest `limit`. */
  list(channel: string, opts?: { cycleId?: string; limit?: number }): DecisionRecord[];
  /** Decisions recorded in [from, to), oldest first; only one kind when given. */
  between(channel: string, from: string, to: string, kind?: string): DecisionRecord[];
}

/** The sliding bounds per parameter and every adjustment of them (2.x). */
export interface BoundsStore {
  get(channel: string): ParameterBounds[];
  /** Saves bounds and their adjustment records together. */
  save(channel: string, bounds: ParameterBounds[], adjustments?: BoundsAdjustment[]): void;
  /** Newest first. */
  adjustments(channel: string, limit?: number): BoundsAdjustment[];
}

/** Drift events (4.x): idempotent on (channel, at, kind). */
export interface DriftLog {
  record(e: DriftEventRecord): number;
  /** Marks the event resolved; false when no such unresolved event exists. */
  resolve(channel: string, kind: string, at: string, resolvedAt: string): boolean;
  /** Newest first. */
  list(channel: string, opts?: { limit?: number; unresolvedOnly?: boolean }): DriftEventRecord[];
}

/** Weekly triage reports (7.x): one per (channel, week). */
export interface TriageLog {
  save(channel: string, weekStart: string, createdAt: string, report: unknown): number;
  /** Newest week first. */
  list(channel: string, limit?: number): TriageReportRecord[];
}

/** The autopilot's own state, port by port. */
export interface StatePorts {
  cycleLog: CycleLog;
  canaryLog: CanaryLog;
  auditLog: AuditLog;
  boundsStore: BoundsStore;
  driftLog: DriftLog;
  triageLog: TriageLog;
}
