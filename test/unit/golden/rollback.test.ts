import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRollbackActivities } from '../../../src/activities/rollback';
import { ROOT, testRuntime, type TestRuntime } from './fixtures';

const EXAMPLE = readFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), 'utf8');
/** The example card with another temperature, a comment and odd spacing: bytes a re-serialiser would not keep. */
const withTemperature = (t: number) => EXAMPLE.replace(/temperature: 0\.5 .*\n/, `temperature:   ${t}   # restored by hand-check\n`);

describe('rollbackToVersion (5.3, 5.5)', () => {
  let t: TestRuntime;
  afterEach(() => t?.cleanup());

  const setup = (patch?: (raw: Record<string, any>) => void) => {
    t = testRuntime(patch);
    const deps = t.rt.deps;
    const old = deps.history.storeVersion('main', withTemperature(0.9), {
      parent: null,
      source: 'autopilot',
      changes: [],
      rationale: 'an older good card',
      deployment: { status: 'superseded', updated_at: '2025-06-01T00:00:00.000Z' },
      created_at: '2025-06-01T00:00:00.000Z',
    });
    const live = deps.history.storeVersion('main', EXAMPLE, {
      parent: old.version_id,
      source: 'autopilot',
      changes: [],
      rationale: 'the live card',
      deployment: { status: 'active', updated_at: '2025-06-02T00:00:00.000Z' },
      created_at: '2025-06-02T00:00:00.000Z',
    });
    return { deps, acts: createRollbackActivities(deps), old, live, cardPath: deps.cards('main').path };
  };
  const input = (versionId: string) => ({ channel: 'main', versionId, by: 'alice', reason: 'engagement dropped after the last change' });

  it('restores the exact bytes of the old version, backs up the live card first, records both (5.3)', async () => {
    const { deps, acts, old, live, cardPath } = setup();
    const r = await acts.rollbackToVersion(input(old.version_id));
    expect(readFileSync(cardPath, 'utf8')).toBe(withTemperature(0.9));
    expect(r.sha256).toBe(old.sha256);
    // 0.5 → 0.9 is four times the daily delta: an operator rollback is not held to it
    expect(r.changes).toEqual([
      expect.objectContaining({
        parameter: 'temperature',
        oldValue: 0.5,
        newValue: 0.9,
        changeType: 'Rollback',
        rule: 'operator_rollback',
      }),
    ]);
    expect(r.timings.totalMs).toBeGreaterThan(0);

    const backup = deps.history.getVersion('main', r.backupVersionId)!;
    expect(backup.yaml).toBe(EXAMPLE);
    expect(backup.meta).toMatchObject({ source: 'backup', parent: live.version_id, deployment: { status: 'superseded' } });
    const restored = deps.history.getVersion('main', r.versionId)!;
    expect(restored.meta).toMatchObject({
      source: 'rollback',
      parent: r.backupVersionId,
      sha256: old.sha256,
      deployment: { status: 'active' },
    });
    expect(deps.history.latest('main', { status: ['active', 'promoted'] })!.version_id).toBe(r.versionId);
    expect(deps.history.getVersion('main', live.version_id)!.meta.deployment.status).toBe('superseded');
    const [d] = deps.auditLog.list('main', { limit: 5 }).filter((x) => x.kind === 'rollback');
    expect(d.summary).toBe(`card rolled back to ${old.version_id} by alice: engagement dropped after the last change`);
    expect(t.alerts.alerts.map((a) => a.name)).toEqual(['card_rolled_back']);
  });

  it('refuses a version outside the current sliding bounds and writes nothing (5.5)', async () => {
    const { deps, acts, old, cardPath } = setup();
    const now = new Date().toISOString();
    deps.boundsStore.save('main', [
      { parameter: 'temperature', min: 0.4, max: 0.7, hardMin: 0.1, hardMax: 2.0, rollbackCount: 0, updatedAt: now },
    ]);
    const versionsBefore = deps.history.list('main').total;
    await expect(acts.rollbackToVersion(input(old.version_id))).rejects.toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message: expect.stringContaining('temperature=0.9 is outside the sliding bounds [0.4, 0.7]'),
    });
    expect(readFileSync(cardPath, 'utf8')).toBe(EXAMPLE);
    expect(deps.history.list('main').total).toBe(versionsBefore);
    expect(deps.auditLog.list('main').map((x) => x.kind)).toEqual(['rollback_refused']);

    // An active operator override of the range lets the same version through.
    const override = {
      parameter: 'temperature',
      min: 0.4,
      max: 1.0,
      reason: 'incident',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await acts.rollbackToVersion({ ...input(old.version_id), overrides: [override] });
    expect(readFileSync(cardPath, 'utf8')).toBe(withTemperature(0.9));
  });

  it('refuses a version beyond the hard limits with every reason', async () => {
    const { deps, acts } = setup();
    const bad = deps.history.storeVersion('main', withTemperature(2.5).replace('top_k: 8', 'top_k: 40'), {
      parent: null,
      source: 'manual',
      changes: [],
      rationale: 'hand edit',
      deployment: { status: 'superseded', updated_at: '2025-06-01T00:00:00.000Z' },
    });
    const err = await acts.rollbackToVersion(input(bad.version_id)).catch((e) => e);
    expect(err.message).toContain('temperature=2.5 is outside the hard limits [0.1, 2]');
    expect(err.message).toContain('top_k=40 is outside the hard limits [1, 30]');
  });

  it('refuses to restore a corrupted history file; the integrity check reports it (5.1)', async () => {
    const { deps, acts, old, cardPath } = setup();
    writeFileSync(join(deps.history.root, old.card_file), withTemperature(0.3));
    await expect(acts.rollbackToVersion(input(old.version_id))).rejects.toMatchObject({
      type: 'ValidationError',
      message: expect.stringMatching(/history integrity: stored card of .* is corrupt: card bytes changed/),
    });
    expect(readFileSync(cardPath, 'utf8')).toBe(EXAMPLE);
    const report = deps.history.verifyIntegrity('main');
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'hash_mismatch', file: old.card_file })]);
  });

  it('restores the backup and raises a critical alert when the read-back hash does not match', async () => {
    const { deps, acts, old, cardPath } = setup((raw) => {
      // The planner's reload hook rewrites the card once (a misbehaving reload): the read-back must catch it.
      raw.stores = {
        ...raw.stores,
        reload_command: `[ -f "{card}.tampered" ] || { printf '# tampered\\n' >> "{card}"; touch "{card}.tampered"; }`,
      };
    });
    const versionsBefore = deps.history.list('main').total;
    await expect(acts.rollbackToVersion(input(old.version_id))).rejects.toMatchObject({
      type: 'RollbackFailed',
      nonRetryable: true,
      message: expect.stringMatching(/did not verify \(file sha256 .*\); the backup was restored/),
    });
    expect(readFileSync(cardPath, 'utf8')).toBe(EXAMPLE);
    expect(t.alerts.alerts).toEqual([expect.objectContaining({ severity: 'critical', name: 'rollback_verify_failed' })]);
    // only the backup was added; no `rollback` version claims the card is live
    expect(deps.history.list('main').total).toBe(versionsBefore + 1);
    expect(deps.history.list('main').items.some((v) => v.source === 'rollback')).toBe(false);
    expect(deps.auditLog.list('main').map((x) => x.kind)).toEqual(['rollback_failed']);
  });

  it('refuses an unknown version and input without an operator or reason', async () => {
    const { acts } = setup();
    await expect(acts.rollbackToVersion(input('20250101T000000Z_0123456789ab'))).rejects.toMatchObject({
      message: expect.stringContaining('no version 20250101T000000Z_0123456789ab'),
    });
    await expect(acts.rollbackToVersion({ channel: 'main', versionId: 'x', by: '', reason: '' })).rejects.toMatchObject({
      message: expect.stringMatching(/by: the operator must be named[\s\S]*reason: required/),
    });
  });
});
