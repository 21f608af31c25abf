import { SqliteStateStore } from '../../../src/adapters/state-store';

describe('drift events in the state store (4.1-4.5)', () => {
  it('stores an event once with its numbers and action, and records when it was resolved', () => {
    const store = new SqliteStateStore(':memory:');
    const e = {
      channel: 'main',
      at: '2025-06-15T12:00:00.000Z',
      kind: 'rollback_rate_7d',
      action: 'pause',
      numbers: { rate: 0.18, rollbacks: 2, deployments: 11 },
    };
    const id = store.driftLog.record(e);
    expect(store.driftLog.record(e)).toBe(id); // an activity retry stores nothing new
    expect(store.driftLog.list('main', { unresolvedOnly: true })).toEqual([{ ...e, id, resolved_at: null }]);
    expect(store.driftLog.resolve('main', 'rollback_rate_7d', e.at, '2025-06-17T12:00:00.000Z')).toBe(true);
    expect(store.driftLog.resolve('main', 'rollback_rate_7d', e.at, '2025-06-18T00:00:00.000Z')).toBe(false);
    expect(store.driftLog.list('main')[0].resolved_at).toBe('2025-06-17T12:00:00.000Z');
    expect(store.driftLog.list('main', { unresolvedOnly: true })).toEqual([]);
    expect(store.driftLog.list('news')).toEqual([]);
    store.close();
  });
});
