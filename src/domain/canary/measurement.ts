/** What the overlay canary's measurement hands the workflow (activities/canary.ts measureCanary). */
import type { GroupSummary, KpiVarianceReduction } from '../types';

export type CanaryGroups = Record<string, { control: GroupSummary; canary: GroupSummary }>;

export interface CanaryMeasurement {
  /** What the judge reads: variance-reduced when canary.variance_reduction allows and the data support it. */
  groups: CanaryGroups;
  /** The plain summaries of every row. */
  raw: CanaryGroups;
  /** Per KPI, what was done (issue 12); absent when variance reduction is off. */
  varianceReduction?: Record<string, KpiVarianceReduction>;
}

/**
 * A measurement as the workflow received it: a history recorded before issue 12 holds the bare
 * groups. Deterministic (it reads only the activity's result), so a replay takes the same branch.
 */
export function asMeasurement(m: CanaryMeasurement | CanaryGroups): CanaryMeasurement {
  const x = m as Partial<CanaryMeasurement>;
  const isMeasurement = typeof x.groups === 'object' && x.groups !== null && typeof x.raw === 'object' && x.raw !== null;
  return isMeasurement ? (m as CanaryMeasurement) : { groups: m as CanaryGroups, raw: m as CanaryGroups };
}
