import type { Command } from 'commander';
import { canaryStatus, decideCanary, ensureDailySchedule, startCycle, uiLink } from '../client';
import { dailyScheduleId, type CycleResult, type RequestedChange } from '../workflows/messages';
import { table, type CliContext } from './context';
import { startTriage } from '../triage-schedule';
import { createTriageActivities } from '../activities/triage';

function parseSet(values: string[] = []): RequestedChange[] {
  return values.map((s) => {
    const m = /^([a-z_][a-z0-9_]*)=(-?[0-9.]+(?:e-?[0-9]+)?)$/i.exec(s);
    if (!m) throw new Error(`--set ${s}: expected parameter=number, e.g. temperature=0.6`);
    return { parameter: m[1], value: Number(m[2]) };
  });
}

/** Commands that act through Temporal: run, canary-status, decide, schedule. */
export function registerControl(ap: Command, ctx: () => CliContext): void {
  ap.command('run')
    .description('start a cycle now (manual trigger); --set forces values, which still go through bounds and the canary')
    .option('-c, --channel <id>')
    .option('--set <param=value...>', 'operator-requested values instead of the proposer')
    .option('--reason <text>', 'why (stored with the version)')
    .option('--canary-minutes <m>', 'override the canary duration')
    .option('--check-minutes <m>', 'override the check interval')
    .option('--wait', 'wait for the verdict and print it')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const client = await c.temporal();
      const changes = parseSet(o.set);
      const canary = {
        ...(o.canaryMinutes ? { durationMs: Number(o.canaryMinutes) * 60_000 } : {}),
        ...(o.checkMinutes ? { checkIntervalMs: Number(o.checkMinutes) * 60_000 } : {}),
      };
      const handle = await startCycle(client, c.config.temporal.task_queue, { channel: ch, changes: changes.length ? changes : undefined, reason: o.reason, canary });
      const link = uiLink(c.config.temporal.ui_url, c.config.temporal.namespace, handle.workflowId);
      if (!o.wait) return c.out({ cycleId: handle.workflowId, link }, (s) => `started ${s.cycleId}\n${s.link}`);
      const r: CycleResult = await handle.result();
      c.out(r, (x) => `${x.outcome}: ${x.message}\n${x.changes.map((ch2) => `  ${ch2.parameter} ${ch2.oldValue} → ${ch2.newValue}`).join('\n')}\n${link}`);
    });

  ap.command('canary-status')
    .description('the running canary: phase, checks, last verdict with its numbers (3.2)')
    .option('-c, --channel <id>')
    .option('--canary <id>', 'a canary workflow id (default: the running one)')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const running = c.runtime.deps.canaryLog.list(ch, 5).find((k) => k.status === 'running');
      const id = o.canary ?? running?.canary_id;
      if (!id) return c.out({ running: false }, () => 'no canary is running');
      const s = await canaryStatus(await c.temporal(), id);
      c.out(s, (x) =>
        [
          `${x.canaryId}: ${x.phase}, check ${x.checksDone}/${x.totalChecks}, since ${x.startedAt}`,
          ...(x.lastVerdict ? [`last verdict: ${x.lastVerdict.decision} (${x.lastVerdict.rule}) — ${x.lastVerdict.reason}`] : []),
        ].join('\n'),
      );
    });

  ap.command('decide <decision>')
    .description('operator decision for a canary (proceed | rollback), e.g. when it is Inconclusive (3.4)')
    .option('-c, --channel <id>')
    .option('--canary <id>', 'canary workflow id (default: the running one)')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who decides', process.env.USER ?? 'operator')
    .action(async (decision, o) => {
      if (decision !== 'proceed' && decision !== 'rollback') throw new Error(`decision: expected proceed or rollback, got ${decision}`);
      const c = ctx();
      const ch = c.channel(o.channel);
      const id = o.canary ?? c.runtime.deps.canaryLog.list(ch, 5).find((k) => k.status === 'running')?.canary_id;
      if (!id) throw new Error('no canary is running (give --canary <id>)');
      await decideCanary(await c.temporal(), id, { decision, by: o.by, reason: o.reason });
      c.out({ canaryId: id, decision }, (s) => `sent ${s.decision} to ${s.canaryId}`);
    });

  const sch = ap.command('schedule').description('the daily schedule (1.1)');
  sch.command('show').option('-c, --channel <id>').action(async (o) => {
    const c = ctx();
    const d = await (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel))).describe();
    c.out({ id: d.scheduleId, paused: d.state.paused, note: d.state.note, next: d.info.nextActionTimes, recent: d.info.recentActions.map((a) => a.takenAt) }, (s) =>
      `${s.id}: ${s.paused ? `PAUSED (${s.note ?? ''})` : 'active'}\nnext: ${s.next.map((t) => t.toISOString()).join(', ')}\nrecent: ${s.recent.map((t) => t.toISOString()).join(', ') || '-'}`,
    );
  });
  sch.command('apply').description('create or update the schedule from the config').option('-c, --channel <id>').action(async (o) => {
    const c = ctx();
    const r = await ensureDailySchedule(await c.temporal(), c.config, c.channel(o.channel));
    c.out({ result: r }, (s) => `schedule ${s.result}`);
  });
  for (const verb of ['pause', 'unpause'] as const) {
    sch.command(verb).option('-c, --channel <id>').requiredOption('--reason <text>').action(async (o) => {
      const c = ctx();
      const h = (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel)));
      await (verb === 'pause' ? h.pause(o.reason) : h.unpause(o.reason));
      c.out({ schedule: h.scheduleId, action: verb }, (s) => `${s.schedule}: ${s.action}d`);
    });
  }
  sch.command('trigger').description('run the scheduled action now').option('-c, --channel <id>').action(async (o) => {
    const c = ctx();
    const h = (await c.temporal()).schedule.getHandle(dailyScheduleId(c.channel(o.channel)));
    await h.trigger();
    c.out({ schedule: h.scheduleId }, (s) => `${s.schedule}: triggered`);
  });
}


/** Weekly triage by hand (7.x) and the report of the last runs. */
export function registerTriage(ap: Command, ctx: () => CliContext): void {
  ap.command('triage')
    .description('run the incident triage now over the last 7 full days and print its report (7.1-7.5)')
    .option('-c, --channel <id>')
    .option('--dry-run', 'report only: apply no bounds patch, open no issue')
    .option('--week-end <iso>', 'end of the window (default: the start of today, UTC)')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const handle = await startTriage(await c.temporal(), c.config.temporal.task_queue, { channel: ch, apply: !o.dryRun, ...(o.weekEnd ? { weekEnd: o.weekEnd } : {}) });
      const r = await handle.result();
      c.out(r, (x) =>
        [
          `${x.channel} ${x.weekStart} → ${x.weekEnd} (${x.mode}): ${x.cycles.total} cycle(s) ${JSON.stringify(x.cycles.byOutcome)}`,
          `failures: ${Object.entries(x.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
          'suggestions:',
          table(x.suggestions.map((s) => ({ pattern: s.pattern, count: s.count, kind: s.kind, confidence: s.confidence.toFixed(2), proposed: s.proposed ? `[${s.proposed.min}, ${s.proposed.max}]` : '', auto: s.autoApply }))),
          `applied: ${x.appliedAdjustments.length}   issues: ${x.issues.map((i) => (i.issue ? `#${i.issue.number}` : `none (${i.reason})`)).join(', ') || '-'}`,
        ].join('\n'),
      );
    });

  ap.command('triage-status')
    .description('the GitHub issues the triage opened: open or closed (7.4)')
    .option('-c, --channel <id>')
    .action(async (o) => {
      const c = ctx();
      const r = await createTriageActivities(c.runtime.deps).triageIssueStatus({ channel: c.channel(o.channel) });
      c.out(r, (x) => JSON.stringify(x, null, 2));
    });
}
