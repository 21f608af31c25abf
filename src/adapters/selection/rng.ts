/**
 * A small seeded pseudo-random generator for the reference selection and the simulator.
 *
 * Seeds (strings or numbers; a number is read as its decimal string, so `42` and `'42'` give
 * the same stream) are hashed with cyrb128 into four 32-bit words that seed sfc32, a fast
 * generator that passes PractRand. Pure JavaScript with no Node imports: this module may be
 * bundled into Temporal workflow code.
 */

export type Seed = string | number;

export interface Rng {
  /** A uniform draw from the open interval (0, 1): never exactly 0 or 1. */
  next(): number;
}

const TWO_POW_32 = 4294967296;

/** cyrb128: a fast 128-bit non-cryptographic string hash (four unsigned 32-bit words). */
export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A stable unsigned 32-bit hash of a string (the first word of cyrb128). */
export function hashString(text: string): number {
  return cyrb128(text)[0];
}

/** Creates a generator for `seed`; the same seed always yields the same sequence. */
export function createRng(seed: Seed): Rng {
  let [a, b, c, d] = cyrb128(String(seed));
  const nextUint32 = (): number => {
    // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator).
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so that similar seeds diverge before the first draw is used.
  for (let i = 0; i < 15; i++) nextUint32();
  return {
    next: () => (nextUint32() + 0.5) / TWO_POW_32,
  };
}
