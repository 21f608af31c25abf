/**
 * The switchback canary: an unmodified VVTV serves one card at a time, so the canary is in time
 * rather than in slots. The canary's duration is cut into blocks; within every stratum of
 * round(1 / share) consecutive blocks one block, at a random position, plays the candidate card
 * and the others the live card. Rows count for the arm of the block their timestamp falls in,
 * except in the wash-out after a switch (the planner reloading, slots planned before the switch
 * still on air). Each block is one observation: its mean. The judge compares the arms' block
 * means, so its degrees of freedom are blocks, not rows (rows within a block are not independent:
 * they share the hour, the audience and the catalog of that moment).
 */
import type { Group, GroupSummary } from '../types';

export type Arm = Group;

export interface SwitchbackSettings {
  durationMs: number;
  blockMs: number;
  washoutMs: number;
  /** The canary's share of blocks, in (0, 0.5]. */
  share: number;
  minRowsPerBlock: number;
}

export interface SwitchbackPlan {
  /** Epoch ms of block 0's start (the canary's start). */
  startMs: number;
  blockMs: number;
  washoutMs: number;
  /** The arm of every block, in order. */
  arms: Arm[];
}

/** FNV-1a, then xorshift: a small deterministic generator (the plan must be the same on every replay). */
function generator(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let x = h || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * The arms of a switchback canary, seeded by its id: `blocks` = round(duration / block), strata of
 * round(1 / share) blocks with one canary block each (a trailing partial stratum stays control).
 */
export function planSwitchback(
  canaryId: string,
  startMs: number,
  s: Pick<SwitchbackSettings, 'durationMs' | 'blockMs' | 'washoutMs' | 'share'>,
): SwitchbackPlan {
  if (!(s.blockMs > 0) || !(s.washoutMs >= 0) || s.washoutMs >= s.blockMs)
    throw new RangeError(`switchback: expected 0 ≤ washout < block, got ${s.washoutMs} ms and ${s.blockMs} ms`);
  if (!(s.share > 0 && s.share <= 0.5)) throw new RangeError(`switchback: expected a share in (0, 0.5], got ${s.share}`);
  const blocks = Math.max(2, Math.round(s.durationMs / s.blockMs));
  const stratum = Math.max(2, Math.round(1 / s.share));
  const next = generator(`switchback:${canaryId}`);
  const arms: Arm[] = Array.from({ length: blocks }, () => 'control');
  for (let first = 0; first + stratum <= blocks; first += stratum) arms[first + Math.floor(next() * stratum)] = 'canary';
  if (!arms.includes('canary')) arms[Math.floor(next() * blocks)] = 'canary';
  return { startMs, blockMs: s.blockMs, washoutMs: s.washoutMs, arms };
}

/** The epoch ms at which the card must change (a block whose arm differs from the one before). */
export function switchTimes(plan: SwitchbackPlan): Array<{ atMs: number; arm: Arm; block: number }> {
  const out: Array<{ atMs: number; arm: Arm; block: number }> = [];
  let previous: Arm = 'control';
  plan.arms.forEach((arm, block) => {
    if (arm !== previous) out.push({ atMs: plan.startMs + block * plan.blockMs, arm, block });
    previous = arm;
  });
  const end = plan.startMs + plan.arms.length * plan.blockMs;
  if (previous !== 'control') out.push({ atMs: end, arm: 'control', block: plan.arms.length });
  return out;
}

/** One block's rows before and after the wash-out (the metrics store's blockParts). */
export interface BlockPartLike {
  block: number;
  afterWashout: boolean;
  n: number;
  sum: number;
  nonFinite: number;
}

/** What the blocks gave one KPI: each arm's block-level summary and what was left out. */
export interface SwitchbackKpi {
  control: GroupSummary;
  canary: GroupSummary;
  /** Complete blocks used, per arm, and blocks left out for too few rows. */
  blocks: { control: number; canary: number; sparse: number };
  /** Rows used, and rows dropped in wash-outs. */
  rows: { used: number; washedOut: number; nonFinite: number };
}

function summary(xs: number[]): GroupSummary {
  const n = xs.length;
  if (n === 0) return { n: 0, mean: 0, sd: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/**
 * Block-level summaries of one KPI at `nowMs`: only blocks that have ended; in a block that
 * follows a switch only the rows after its wash-out; a block with fewer than `minRowsPerBlock`
 * rows is left out. n is the number of blocks, the mean the mean of block means, the sd their sd.
 */
export function switchbackSummary(plan: SwitchbackPlan, parts: BlockPartLike[], nowMs: number, minRowsPerBlock: number): SwitchbackKpi {
  const ended = Math.min(plan.arms.length, Math.floor((nowMs - plan.startMs) / plan.blockMs));
  const means: Record<Arm, number[]> = { control: [], canary: [] };
  const rows = { used: 0, washedOut: 0, nonFinite: 0 };
  let sparse = 0;
  for (let b = 0; b < ended; b++) {
    const arm = plan.arms[b]!;
    const switched = arm !== (b === 0 ? 'control' : plan.arms[b - 1]);
    let n = 0;
    let sum = 0;
    for (const p of parts) {
      if (p.block !== b) continue;
      rows.nonFinite += p.nonFinite;
      if (switched && !p.afterWashout) {
        rows.washedOut += p.n;
        continue;
      }
      n += p.n;
      sum += p.sum;
    }
    if (n < minRowsPerBlock) {
      sparse += 1;
      continue;
    }
    rows.used += n;
    means[arm].push(sum / n);
  }
  return {
    control: summary(means.control),
    canary: summary(means.canary),
    blocks: { control: means.control.length, canary: means.canary.length, sparse },
    rows,
  };
}
