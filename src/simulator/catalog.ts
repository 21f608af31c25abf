/**
 * The synthetic catalog: what a VVTV channel could put on air.
 *
 * Each kind has its own typical curation, engagement and trending level, age mix and
 * duration, so that what the planner selects (and therefore entropy, novelty and engagement)
 * depends on how sharply it prefers high scores. Trending is a velocity z-score (news and sport
 * around +5, documentaries around -2, sd 1.6): it spreads selection scores over about ±1, so the
 * card's temperature still matters between 0.5 and 2 (with scores confined to [0, 1] every
 * temperature above ~0.5 would look alike). About 12 % of the items are low-curation junk with
 * middling trending (the curator's work), about 5 % miss their HD rendition.
 */
import { probit, sample, sum } from 'simple-statistics';
import { createRng, type Candidate, type Rng, type Seed } from '../adapters/selection';

export interface KindProfile {
  kind: string;
  /** Share of the catalog. */
  share: number;
  curation: number;
  engagement: number;
  trending: number;
  /** Shares of plans aged 0-12 h (log-uniform from 3 minutes), 12-24 h and 1-5 days (uniform). */
  ageMix: [number, number, number];
  durationS: [number, number];
  tags: string[];
}

/** Kinds and their typical scores: news and sport lead on trending, film and music on engagement. */
export const KIND_PROFILES: readonly KindProfile[] = [
  {
    kind: 'news',
    share: 0.14,
    curation: 0.66,
    engagement: 0.48,
    trending: 6.0,
    ageMix: [0.6, 0.3, 0.1],
    durationS: [120, 900],
    tags: ['live', 'world', 'local', 'politics', 'weather'],
  },
  {
    kind: 'sport',
    share: 0.12,
    curation: 0.7,
    engagement: 0.7,
    trending: 5.2,
    ageMix: [0.5, 0.3, 0.2],
    durationS: [300, 5400],
    tags: ['football', 'highlights', 'live', 'tennis'],
  },
  {
    kind: 'music',
    share: 0.13,
    curation: 0.72,
    engagement: 0.66,
    trending: 2.0,
    ageMix: [0.3, 0.3, 0.4],
    durationS: [180, 3600],
    tags: ['live', 'pop', 'jazz', 'session'],
  },
  {
    kind: 'film',
    share: 0.12,
    curation: 0.8,
    engagement: 0.74,
    trending: 0.0,
    ageMix: [0.15, 0.25, 0.6],
    durationS: [4800, 8400],
    tags: ['drama', 'comedy', 'classic', 'thriller'],
  },
  {
    kind: 'documentary',
    share: 0.11,
    curation: 0.8,
    engagement: 0.6,
    trending: -2.0,
    ageMix: [0.1, 0.2, 0.7],
    durationS: [1800, 5400],
    tags: ['nature', 'history', 'science'],
  },
  {
    kind: 'animation',
    share: 0.11,
    curation: 0.68,
    engagement: 0.62,
    trending: -0.6,
    ageMix: [0.25, 0.25, 0.5],
    durationS: [600, 5400],
    tags: ['short', 'family', 'anime'],
  },
  {
    kind: 'kids',
    share: 0.1,
    curation: 0.64,
    engagement: 0.5,
    trending: -1.6,
    ageMix: [0.2, 0.25, 0.55],
    durationS: [300, 1800],
    tags: ['family', 'learning', 'cartoon'],
  },
  {
    kind: 'talk',
    share: 0.11,
    curation: 0.56,
    engagement: 0.46,
    trending: 1.0,
    ageMix: [0.45, 0.3, 0.25],
    durationS: [900, 3600],
    tags: ['interview', 'debate', 'late_night'],
  },
];

export const JUNK_SHARE = 0.12;
export const HD_MISSING_SHARE = 0.05;

export interface CatalogOptions {
  seed: Seed;
  size: number;
  /** The catalog's "now": created_at values lie before it. */
  now: Date;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Generates `size` candidates, deterministic for (seed, size, now). */
export function generateCatalog({ seed, size, now }: CatalogOptions): Candidate[] {
  const rng = createRng(`catalog:${seed}`);
  const normal = (): number => probit(rng.next());
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  const out: Candidate[] = [];
  for (let i = 0; i < size; i++) {
    const p = pickKind(rng);
    const junk = rng.next() < JUNK_SHARE;
    const quality = normal();
    const curation = junk ? uniform(0.05, 0.3) : clamp01(p.curation + 0.07 * quality + 0.04 * normal());
    const engagement = junk ? uniform(0.02, 0.15) : clamp01(p.engagement + 0.05 * quality + 0.06 * normal());
    const trending = junk ? 1.0 + 1.6 * normal() : p.trending + 1.6 * normal();
    const ageHours = drawAge(p.ageMix, rng);
    const tags = [p.kind, ...sample([...p.tags], 1 + Math.floor(rng.next() * 2), rng.next)];
    if (junk) tags.push('low_quality');
    out.push({
      plan_id: `${p.kind}-${String(i).padStart(5, '0')}`,
      kind: p.kind,
      curation_score: round3(curation),
      trending_score: round3(trending),
      engagement_score: round3(engagement),
      duration_est_s: Math.round(uniform(p.durationS[0], p.durationS[1])),
      tags,
      hd_missing: rng.next() < HD_MISSING_SHARE,
      created_at: new Date(now.getTime() - Math.round(ageHours * 3_600_000)).toISOString(),
    });
  }
  return out;
}

function drawAge(mix: [number, number, number], rng: Rng): number {
  const u = rng.next() * sum(mix);
  const v = rng.next();
  if (u < mix[0]) return Math.exp(Math.log(0.05) + v * Math.log(12 / 0.05));
  if (u < mix[0] + mix[1]) return 12 + 12 * v;
  return 24 + 96 * v;
}

function pickKind(rng: Rng): KindProfile {
  let u = rng.next() * sum(KIND_PROFILES.map((p) => p.share));
  for (const p of KIND_PROFILES) {
    u -= p.share;
    if (u < 0) return p;
  }
  return KIND_PROFILES[KIND_PROFILES.length - 1];
}
