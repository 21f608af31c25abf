/**
 * How VVTV names a KPI in `business_metrics.metric_type`: its monitor stores
 * `format!("{:?}", BusinessMetricType::SelectionEntropy).to_lowercase()`, i.e. the Rust variant name
 * lower-cased, so `selection_entropy` (the name the card's `kpis` use) is stored as
 * `selectionentropy`. A KPI may name its stored type explicitly (`kpis[].metric_type`).
 */
import type { KpiDef } from './types';

/** `selection_entropy` → `selectionentropy`: lower case, no underscores (the variant name VVTV stores). */
export function vvtvMetricType(kpiName: string): string {
  return kpiName.replace(/_/g, '').toLowerCase();
}

/** The metric_type rows of this KPI carry. */
export function storedMetricType(k: Pick<KpiDef, 'name' | 'metric_type'>): string {
  return k.metric_type ?? vvtvMetricType(k.name);
}
