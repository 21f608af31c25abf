import { CandidateSchema, HD_MISSING_PENALTY, recency, scoreCandidate } from '../../../src/adapters/selection';
import { candidate, hoursAgo, NOW } from './fixtures';

describe('candidate scoring', () => {
  it('weights curation 0.5, engagement 0.3 and trending 0.2', () => {
    const c = candidate('a', { curation_score: 0.8, engagement_score: 0.6, trending_score: 0.4 });
    expect(scoreCandidate(c, 0, NOW)).toBeCloseTo(0.5 * 0.8 + 0.3 * 0.6 + 0.2 * 0.4, 12);
  });

  it('adds plan_selection_bias times a recency that falls linearly to 0 at 48 hours', () => {
    expect(recency(hoursAgo(0), NOW)).toBe(1);
    expect(recency(hoursAgo(12), NOW)).toBeCloseTo(0.75, 12);
    expect(recency(hoursAgo(48), NOW)).toBe(0);
    expect(recency(hoursAgo(100), NOW)).toBe(0);
    expect(recency(hoursAgo(-5), NOW)).toBe(1);
    const fresh = candidate('a', { created_at: hoursAgo(24) });
    expect(scoreCandidate(fresh, 0.2, NOW) - scoreCandidate(fresh, 0, NOW)).toBeCloseTo(0.1, 12);
  });

  it('subtracts 0.5 from a plan without its HD rendition', () => {
    const ok = candidate('a');
    expect(scoreCandidate(ok, 0, NOW) - scoreCandidate({ ...ok, hd_missing: true }, 0, NOW)).toBeCloseTo(HD_MISSING_PENALTY, 12);
  });

  it('parses VVTV golden-case candidates and names the failing path', () => {
    expect(CandidateSchema.parse({ ...candidate('a'), extra: 1 })).toEqual(candidate('a'));
    const bad = CandidateSchema.safeParse({ ...candidate('a'), curation_score: 1.5 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['curation_score']);
    expect(CandidateSchema.safeParse({ ...candidate('a'), created_at: 'yesterday' }).success).toBe(false);
  });
});
