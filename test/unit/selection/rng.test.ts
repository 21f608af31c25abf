import { mean } from 'simple-statistics';
import { createRng, hashString } from '../../../src/adapters/selection';

describe('seeded RNG', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRng('main:42');
    const b = createRng('main:42');
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
  });

  it('reads a numeric seed as its decimal string', () => {
    expect(createRng(42).next()).toBe(createRng('42').next());
  });

  it('gives different sequences for neighbouring seeds', () => {
    expect(createRng('slot:1').next()).not.toBe(createRng('slot:2').next());
  });

  it('draws from the open interval (0, 1) with mean about 0.5', () => {
    const rng = createRng('uniform');
    const xs = Array.from({ length: 20_000 }, () => rng.next());
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    expect(mean(xs)).toBeCloseTo(0.5, 2);
  });

  it('hashes strings to stable unsigned 32-bit integers', () => {
    expect(hashString('main:1')).toBe(hashString('main:1'));
    expect(hashString('main:1')).not.toBe(hashString('main:2'));
    expect(Number.isInteger(hashString('x')) && hashString('x') >= 0 && hashString('x') < 2 ** 32).toBe(true);
  });
});
