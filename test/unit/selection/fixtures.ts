import type { SelectionParams } from '../../../src/config/card';
import type { Candidate } from '../../../src/adapters/selection';

export const NOW = new Date('2025-06-01T12:00:00.000Z');

export function hoursAgo(h: number): string {
  return new Date(NOW.getTime() - h * 3_600_000).toISOString();
}

export function candidate(plan_id: string, over: Partial<Candidate> = {}): Candidate {
  return {
    plan_id,
    kind: 'film',
    curation_score: 0.5,
    trending_score: 0.5,
    engagement_score: 0.5,
    duration_est_s: 1800,
    tags: [],
    hd_missing: false,
    created_at: hoursAgo(72),
    ...over,
  };
}

export function params(over: Partial<SelectionParams> = {}): SelectionParams {
  return { method: 'gumbel_top_k', temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0, ...over };
}

/** `n` candidates p00, p01, … whose scores fall in steps of 0.2 (p00 is the best). */
export function ladder(n = 12): Candidate[] {
  return Array.from({ length: n }, (_, i) =>
    candidate(`p${String(i).padStart(2, '0')}`, { trending_score: -i, kind: ['news', 'film', 'music', 'sport'][i % 4] }),
  );
}

/** Shannon entropy in bits of a list of labels. */
export function entropyBits(labels: string[]): number {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / labels.length) * Math.log2(c / labels.length);
  return h;
}
