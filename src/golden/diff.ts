import type { Order } from './model';

/**
 * A readable diff of two orders (expected vs actual), one line per plan:
 * `  3. p04` same place, `- 2. p01` only expected there, `+ 2. p07` only actual there.
 * Longest-common-subsequence based, so one inserted plan shows as one `+` line, not a cascade.
 */
export function orderDiff(expected: Order, actual: Order): string[] {
  const n = expected.length;
  const m = actual.length;
  // lcs[i][j] = LCS length of expected[i..] and actual[j..]
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = expected[i] === actual[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      lines.push(`  ${j + 1}. ${actual[j]}`);
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      lines.push(`- ${i + 1}. ${expected[i]}`);
      i++;
    } else {
      lines.push(`+ ${j + 1}. ${actual[j]}`);
      j++;
    }
  }
  return lines;
}

/** The first position where the orders differ (1-based), or null when they are equal. */
export function firstDifference(expected: Order, actual: Order): number | null {
  const len = Math.max(expected.length, actual.length);
  for (let i = 0; i < len; i++) if (expected[i] !== actual[i]) return i + 1;
  return null;
}

export function sameOrder(a: Order, b: Order): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
