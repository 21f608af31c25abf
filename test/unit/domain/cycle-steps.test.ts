import { rollbackCountsAgainstChanges } from '../../../src/domain/cycle';

describe('which rollbacks count against the changed parameters (2.3)', () => {
  it.each([
    ['judge', true],
    ['inconclusive_timeout', true],
    ['operator:ana', true],
    ['paused:ops', false],
    ['emergency:bob', false],
    ['promotion_guard', false],
    ['cancelled', false],
    ['failure', false],
  ])('%s → %s', (decidedBy, counts) => {
    expect(rollbackCountsAgainstChanges(decidedBy)).toBe(counts);
  });
});
