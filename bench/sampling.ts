/** Sampling helpers shared by the canary benches (bench/canary-stats.ts, bench/switchback/stats.ts). */
import type { GroupSummary } from '../src/domain/types';

export const round = (x: number, d = 4): number => Number(x.toFixed(d));

export function gaussian(u: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(u()));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

export function poisson(u: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = u();
  while (p > limit) {
    k += 1;
    p *= u();
  }
  return k;
}

/** Welford accumulator giving a GroupSummary. */
export class Acc {
  n = 0;
  private m = 0;
  private m2 = 0;
  add(x: number): void {
    this.n += 1;
    const d = x - this.m;
    this.m += d / this.n;
    this.m2 += d * (x - this.m);
  }
  summary(): GroupSummary {
    return { n: this.n, mean: this.m, sd: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0 };
  }
}

/** 95 % Wilson score interval of a proportion. */
export function wilson(p: number, n: number): [number, number] {
  const z = 1.959964;
  const den = 1 + (z * z) / n;
  const center = (p + (z * z) / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return [round(Math.max(0, center - half)), round(Math.min(1, center + half))];
}
