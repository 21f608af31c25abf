import { CandidateSchema } from '../../../src/adapters/selection';
import { generateCatalog, KIND_PROFILES } from '../../../src/simulator';

const NOW = new Date('2025-01-01T00:00:00Z');

describe('synthetic catalog', () => {
  const catalog = generateCatalog({ seed: 42, size: 2000, now: NOW });

  it('is the same for the same seed and differs for another', () => {
    expect(generateCatalog({ seed: 42, size: 2000, now: NOW })).toEqual(catalog);
    expect(generateCatalog({ seed: 43, size: 2000, now: NOW })).not.toEqual(catalog);
  });

  it('holds valid VVTV candidates with unique plan ids', () => {
    for (const c of catalog) CandidateSchema.parse(c);
    expect(new Set(catalog.map((c) => c.plan_id)).size).toBe(catalog.length);
  });

  it('covers every kind, ~5% without HD, some low-curation junk, ages from minutes to ~5 days', () => {
    expect(new Set(catalog.map((c) => c.kind))).toEqual(new Set(KIND_PROFILES.map((p) => p.kind)));
    const share = (pred: (c: (typeof catalog)[number]) => boolean): number => catalog.filter(pred).length / catalog.length;
    expect(share((c) => c.hd_missing)).toBeGreaterThan(0.03);
    expect(share((c) => c.hd_missing)).toBeLessThan(0.07);
    expect(share((c) => c.curation_score < 0.35)).toBeGreaterThan(0.08);
    expect(share((c) => c.curation_score < 0.35)).toBeLessThan(0.16);
    const ages = catalog.map((c) => (NOW.getTime() - Date.parse(c.created_at)) / 3_600_000);
    expect(Math.min(...ages)).toBeLessThan(0.25);
    expect(Math.max(...ages)).toBeGreaterThan(96);
    expect(Math.max(...ages)).toBeLessThanOrEqual(120);
  });

  it('correlates scores with kind (news trends more than documentaries)', () => {
    const avg = (kind: string): number => {
      const xs = catalog.filter((c) => c.kind === kind && c.curation_score >= 0.35).map((c) => c.trending_score);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(avg('news')).toBeGreaterThan(avg('documentary') + 2);
  });
});
