import type { CycleResult } from '../../src/workflows/messages';

/**
 * Asserts a cycle's outcome; when it differs, the failure names what decided it (the message, the
 * verdict's rule and every KPI's difference and sample sizes), so a red CI run says why.
 */
export function expectOutcome(r: CycleResult, outcome: CycleResult['outcome']): void {
  if (r.outcome === outcome) return;
  const why = {
    message: r.message,
    decision: r.verdict?.decision,
    rule: r.verdict?.rule,
    kpis: r.verdict?.kpis.map((k) => `${k.kpi} relDiff=${k.relDiff} n=${k.canary.n}/${k.control.n}`),
  };
  throw new Error(`expected outcome ${outcome}, got ${r.outcome}\n${JSON.stringify(why, null, 2)}`);
}
