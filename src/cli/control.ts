/** Commands that act through Temporal: run, canary-status, decide, schedule, triage. */
import { canaryStatus as queryCanary, decideCanary, ensureDailySchedule, startCycle, uiLink } from '../client';
import { startTriage } from '../triage-schedule';
import { table, trajectory, trajectoryTable, triageIssues, verdictRows, verdictTable } from '../readmodel';
import { ValidationError } from '../config/errors';
import { OperatorDecisionSchema, checkSignalPayload, dailyScheduleId, type CycleResult, type RequestedChange } from '../workflows/messages';
import type { CliContext } from './context';

interface ChannelOpt {
  channel?: string;
}

function parseSet(values: string[] = []): RequestedChange[] {
  return values.map((s) => {
    const m = /^([a-z_][a-z0-9_]*)=(-?[0-9.]+(?:e-?[0-9]+)?)$/i.exec(s);
    if (!m) throw new ValidationError('--set', [`${s}: expected parameter=number, e.g. temperature=0.6`]);
    return { parameter: m[1], value: Number(m[2]) };
  });
}

const runningCanary = (c: CliContext, ch: string) => c.runtime.deps.canaryLog.list(ch, 5).find((k) => k.status === 'running');

export async function run(
  c: CliContext,
  o: ChannelOpt & { set?: string[]; reason?: string; canaryMinutes?: string; checkMinutes?: string; wait?: boolean },
): Promise<void> {
  const ch = c.channel(o.channel);
  const changes = parseSet(o.set);
  const client = await c.temporal();
  const canary = {
    ...(o.canaryMinutes ? { durationMs: Number(o.canaryMinutes) * 60_000 } : {}),
    ...(o.checkMinutes ? { checkIntervalMs: Number(o.checkMinutes) * 60_000 } : {}),
  };
  const input = { channel: ch, changes: changes.length ? changes : undefined, reason: o.reason, canary };
  const handle = await startCycle(client, c.config.temporal.task_queue, input);
  const link = uiLink(c.config.temporal.ui_url, c.config.temporal.namespace, handle.workflowId);
  if (!o.wait) return c.out({ cycleId: handle.workflowId, link }, (s) => `started ${s.cycleId}\n${s.link}`);
  const r: CycleResult = await handle.result();
  c.out(
    r,
    (x) => `${x.outcome}: ${x.message}\n${x.changes.map((y) => `  ${y.parameter} ${y.oldValue} → ${y.newValue}`).join('\n')}\n${link}`,
  );
}

/** The live canary (its query) with its checks so far (the canary log). */
export async function canaryStatus(c: CliContext, o: ChannelOpt & { canary?: string }): Promise<void> {
  const ch = c.channel(o.channel);
  const id = o.canary ?? runningCanary(c, ch)?.canary_id;
  if (!id) return c.out({ running: false }, () => 'no canary is running');
  const live = await queryCanary(await c.temporal(), id);
  const checks = trajectory(c.runtime.deps.canaryLog.get(id)?.checks ?? []);
  c.out({ ...live, checks }, (x) =>
    [
      `${x.canaryId}: ${x.phase}, check ${x.checksDone}/${x.totalChecks}, since ${x.startedAt}`,
      ...(x.lastVerdict
        ? [
            `last verdict: ${x.lastVerdict.decision} (${x.lastVerdict.rule}) — ${x.lastVerdict.reason}`,
            verdictTable(verdictRows(x.lastVerdict)),
          ]
        : []),
      'checks:',
      trajectoryTable(x.checks),
    ].join('\n'),
  );
}

export async function decide(
  c: CliContext,
  decision: string,
  o: ChannelOpt & { canary?: string; reason: string; by: string },
): Promise<void> {
  const checked = checkSignalPayload('decide', OperatorDecisionSchema, { decision, by: o.by, reason: o.reason });
  if ('problems' in checked) throw new ValidationError('decide', checked.problems);
  const ch = c.channel(o.channel);
  const id = o.canary ?? runningCanary(c, ch)?.canary_id;
  if (!id) throw new Error('no canary is running (give --canary <id>)');
  await decideCanary(await c.temporal(), id, checked.value);
  c.out({ canaryId: id, decision: checked.value.decision }, (s) => `sent ${s.decision} to ${s.canaryId}`);
}

export async function scheduleShow(c: CliContext, o: ChannelOpt): Promise<void> {
  const d = await (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel))).describe();
  const s = {
    id: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    next: d.info.nextActionTimes,
    recent: d.info.recentActions.map((a) => a.takenAt),
  };
  c.out(s, (x) =>
    [
      `${x.id}: ${x.paused ? `PAUSED (${x.note ?? ''})` : 'active'}`,
      `next: ${x.next.map((t) => t.toISOString()).join(', ')}`,
      `recent: ${x.recent.map((t) => t.toISOString()).join(', ') || '-'}`,
    ].join('\n'),
  );
}

export async function scheduleApply(c: CliContext, o: ChannelOpt): Promise<void> {
  const r = await ensureDailySchedule(await c.temporal(), c.config, c.channel(o.channel));
  c.out({ result: r }, (s) => `schedule ${s.result}`);
}

export async function schedulePause(c: CliContext, verb: 'pause' | 'unpause', o: ChannelOpt & { reason: string }): Promise<void> {
  const h = (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel)));
  await (verb === 'pause' ? h.pause(o.reason) : h.unpause(o.reason));
  c.out({ schedule: h.scheduleId, action: verb }, (s) => `${s.schedule}: ${s.action}d`);
}

export async function scheduleTrigger(c: CliContext, o: ChannelOpt): Promise<void> {
  const h = (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel)));
  await h.trigger();
  c.out({ schedule: h.scheduleId }, (s) => `${s.schedule}: triggered`);
}

/** Weekly triage by hand (7.1-7.5): runs the triage workflow now and prints its report. */
export async function triage(c: CliContext, o: ChannelOpt & { dryRun?: boolean; weekEnd?: string }): Promise<void> {
  const ch = c.channel(o.channel);
  const handle = await startTriage(await c.temporal(), c.config.temporal.task_queue, {
    channel: ch,
    apply: !o.dryRun,
    ...(o.weekEnd ? { weekEnd: o.weekEnd } : {}),
  });
  const r = await handle.result();
  c.out(r, (x) =>
    [
      `${x.channel} ${x.weekStart} → ${x.weekEnd} (${x.mode}): ${x.cycles.total} cycle(s) ${JSON.stringify(x.cycles.byOutcome)}`,
      `failures: ${Object.entries(x.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      'suggestions:',
      table(
        x.suggestions.map((s) => ({
          pattern: s.pattern,
          count: s.count,
          kind: s.kind,
          confidence: s.confidence.toFixed(2),
          proposed: s.proposed ? `[${s.proposed.min}, ${s.proposed.max}]` : '',
          auto: s.autoApply,
        })),
      ),
      `applied: ${x.appliedAdjustments.length}   issues: ${
        x.issues.map((i) => (i.issue ? `#${i.issue.number}` : `none (${i.reason})`)).join(', ') || '-'
      }`,
    ].join('\n'),
  );
}

export async function triageStatus(c: CliContext, o: ChannelOpt): Promise<void> {
  const r = await triageIssues(c.runtime.deps, c.channel(o.channel));
  c.out(r, (x) => JSON.stringify(x, null, 2));
}
