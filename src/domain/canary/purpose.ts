/**
 * A canary's purpose (issue 12): what the moves it tests were made for. One purpose per canary:
 * when every change brings the same KPI back into its band in the same direction, that band;
 * otherwise (a primary move, or changes made for different things) the primary.
 */
import type { ChangePurpose, KpiDef, ParameterChange } from '../types';

export const PRIMARY_PURPOSE: ChangePurpose = { kind: 'primary' };

export function canaryPurpose(changes: ReadonlyArray<Pick<ParameterChange, 'purpose'>>): ChangePurpose {
  const first = changes[0]?.purpose;
  if (!first || first.kind !== 'band') return PRIMARY_PURPOSE;
  const same = changes.every((c) => c.purpose?.kind === 'band' && c.purpose.kpi === first.kpi && c.purpose.direction === first.direction);
  return same ? first : PRIMARY_PURPOSE;
}

/** A band purpose naming a KPI the canary does not judge falls back to the primary (never an unjudgeable canary). */
export function checkedPurpose(purpose: ChangePurpose | undefined, kpis: readonly KpiDef[]): ChangePurpose {
  if (!purpose || purpose.kind !== 'band') return PRIMARY_PURPOSE;
  return kpis.some((k) => k.name === purpose.kpi) ? purpose : PRIMARY_PURPOSE;
}

export function describePurpose(p: ChangePurpose): string {
  return p.kind === 'band' ? `bring ${p.kpi} back into its band (${p.direction > 0 ? 'up' : 'down'})` : 'the primary';
}
