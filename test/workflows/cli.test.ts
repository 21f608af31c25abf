import { readFileSync, writeFileSync } from 'node:fs';
import { Harness } from '../support/harness';
import { run } from '../support/cli';
import { startCycle } from '../../src/client';
import { governorWorkflowId, reportOutcomeUpdate } from '../../src/workflows/governor-messages';

const DAY = 86_400_000;

describe('vvtvctl against a running autopilot (9.1-9.5, 5.3)', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.close());
  const ctl = (...args: string[]) => run(['--config', h.configPath, '--json', 'autopilot', ...args, '--channel', h.channel]);

  it('pause stops changes (the cycle still analyses), resume lets them through again', async () => {
    expect((await ctl('pause', '--reason', 'maintenance window', '--by', 'alice')).code).toBe(0);
    const paused = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'epsilon', value: 0.05 }] })
    ).result();
    expect(paused.outcome).toBe('skipped_paused');
    expect(paused.message).toMatch(/paused \(operator\) by alice/);
    // 9.2: still monitoring
    expect(h.rt.deps.auditLog.list(h.channel, { cycleId: paused.cycleId }).map((d) => d.kind)).toContain('analysis');

    const status = JSON.parse((await ctl('drift-check')).out);
    expect(status.pause).toMatchObject({ by: 'alice', reason: 'maintenance window' });

    expect((await ctl('resume', '--reason', 'done', '--by', 'alice')).code).toBe(0);
    const after = JSON.parse((await ctl('drift-check')).out);
    expect(after.pause).toBeNull();
  });

  it('after emergency-pause, status shows the governor’s pause (emergency, by whom, until when, why), not `running` (9.1)', async () => {
    expect((await ctl('emergency-pause', '--reason', 'bad deploy upstream', '--by', 'carol')).code).toBe(0);
    const s = JSON.parse((await ctl('status')).out);
    const pause = { source: 'emergency', by: 'carol', reason: 'bad deploy upstream', until: null };
    expect(s).toMatchObject({ mode: 'paused', governor: { state: 'running' }, pause });
    const text = (await run(['--config', h.configPath, 'autopilot', 'status', '--channel', h.channel])).out.split('\n')[0];
    const line = `^channel ${h.channel}: PAUSED \\(emergency\\) by carol since \\S+ until resumed: bad deploy upstream$`;
    expect(text).toMatch(new RegExp(line));

    expect((await ctl('resume', '--reason', 'upstream fixed', '--by', 'carol')).code).toBe(0);
    expect(JSON.parse((await ctl('status')).out)).toMatchObject({ mode: 'running', pause: null });
  });

  it('report and drift-check give the governor’s own p50 prediction error (4.1)', async () => {
    // The governor's record: three small errors two days ago, one large error yesterday (daily means 0.1 and 0.5).
    const today = Math.floor(Date.now() / DAY) * DAY;
    const gov = h.client.workflow.getHandle(governorWorkflowId(h.channel));
    const errors: Array<[number, number]> = [
      [today - 2 * DAY + 3_600_000, 0.1],
      [today - 2 * DAY + 7_200_000, 0.1],
      [today - 2 * DAY + 10_800_000, 0.1],
      [today - DAY + 3_600_000, 0.5],
    ];
    for (const [i, [at, predictionError]] of errors.entries()) {
      const report = { cycleId: `p50-${i}`, outcome: 'promoted' as const, at: new Date(at).toISOString(), predictionError };
      await gov.executeUpdate(reportOutcomeUpdate, { args: [report] });
    }
    const drift = JSON.parse((await ctl('drift-check')).out);
    const report = JSON.parse((await ctl('report')).out);
    expect(drift.numbers).toMatchObject({ source: 'governor', errorP50: { p50: 0.3, days: 2 } });
    expect(report.governor.source).toBe('governor');
    expect(report.predictionErrorP50).toBe(0.3);
  });

  it('override-bounds widens a range for a while and the governor reports it; a bad override is refused by name', async () => {
    const bad = await ctl('override-bounds', 'temperature', '--min', '0.1', '--max', '2.5', '--reason', 'x');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/max/);
    expect(
      (await ctl('override-bounds', 'temperature', '--min', '0.2', '--max', '1.8', '--reason', 'incident 7', '--hours', '2')).code,
    ).toBe(0);
    const s = JSON.parse((await ctl('drift-check')).out);
    expect(s.overrides).toEqual([expect.objectContaining({ parameter: 'temperature', min: 0.2, max: 1.8, reason: 'incident 7' })]);
  });

  it('rollback <version> restores the exact bytes of a stored version through the worker (5.3)', async () => {
    const original = readFileSync(h.cards.path, 'utf8');
    // a manual edit, recorded by the next cycle as a version of its own
    h.rt.deps.history.storeVersion(h.channel, original, {
      parent: null,
      source: 'manual',
      changes: [],
      rationale: 'test baseline',
      deployment: { status: 'active', updated_at: new Date().toISOString() },
    });
    const target = h.rt.deps.history.latest(h.channel)!;
    const edited = original.replace('epsilon: 0.04', 'epsilon: 0.1');
    writeFileSync(h.cards.path, edited);
    const r = await ctl('rollback', target.version_id, '--reason', 'undo the manual edit');
    expect(r.code).toBe(0);
    expect(readFileSync(h.cards.path, 'utf8')).toBe(original);
    const body = JSON.parse(r.out);
    expect(body.restoredFrom).toBe(target.version_id);
    expect(h.rt.deps.history.getVersion(h.channel, body.backupVersionId)!.yaml).toBe(edited);
  });

  it('triage --dry-run runs the weekly triage now and prints its report without changing bounds (7.1)', async () => {
    const before = h.rt.deps.boundsStore.adjustments(h.channel).length;
    const r = await ctl('triage', '--dry-run');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ channel: h.channel, mode: 'dry_run' });
    expect(report.counts).toHaveProperty('total');
    expect(h.rt.deps.boundsStore.adjustments(h.channel).length).toBe(before);
  });
});
