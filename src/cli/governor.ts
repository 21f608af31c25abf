import type { Command } from 'commander';
import type { SignalDefinition } from '@temporalio/common';
import { governorStatus, rollbackToVersion, signalGovernor, startCycle, uiLink } from '../client';
import { depositBypassToken } from '../activities/bypass-box';
import {
  clearOverrideSignal,
  emergencyPauseSignal,
  overrideBoundsSignal,
  pauseSignal,
  resumeSignal,
  validateClearOverride,
  validateEmergencyPause,
  validateOverride,
  validatePause,
  validateResume,
} from '../workflows/governor-messages';
import { governorSettings } from '../governor/settings';
import { cycleWorkflowId } from '../workflows/messages';
import { table, type CliContext } from './context';

const HOUR = 3_600_000;
const who = () => process.env.USER ?? 'operator';

/** Commands that talk to the channel's governor (9.1-9.5, 4.x) and the emergency tools (9.2). */
export function registerGovernor(ap: Command, ctx: () => CliContext): void {
  /** Checks an operator's payload here first (the field is named), then signals the governor (starting it if needed). */
  const send = async <P>(o: { channel?: string }, signal: SignalDefinition<[P]>, validate: (p: unknown) => void, payload: P, done: (ch: string) => string) => {
    const c = ctx();
    const ch = c.channel(o.channel);
    validate(payload);
    await signalGovernor(await c.temporal(), c.config, ch, signal, payload);
    c.out({ channel: ch, signal: signal.name, payload }, () => done(ch));
  };

  ap.command('pause')
    .description('pause the autopilot: it keeps analysing and recording but changes nothing (9.1, 9.2)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--hours <h>', 'resume by itself after this long (default: until resumed)')
    .option('--by <name>', 'who', who())
    .action((o) =>
      send(o, pauseSignal, validatePause, { by: o.by, reason: o.reason, ...(o.hours ? { durationMs: Number(o.hours) * HOUR } : {}) }, (ch) => `${ch}: pause sent${o.hours ? ` for ${o.hours} h` : ''}`),
    );

  ap.command('resume')
    .description('end an operator or safety pause (an emergency_pause set in the config file must be cleared there)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action((o) => send(o, resumeSignal, validateResume, { by: o.by, reason: o.reason }, (ch) => `${ch}: resume sent`));

  ap.command('emergency-pause')
    .description('pause now and roll back a running canary within seconds (9.1)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action((o) => send(o, emergencyPauseSignal, validateEmergencyPause, { by: o.by, reason: o.reason }, (ch) => `${ch}: emergency pause sent; a running canary is rolled back`));

  ap.command('override-bounds <parameter>')
    .description('replace a parameter’s sliding range for a while (hard limits still apply); announced by alert (9.3-9.5)')
    .option('-c, --channel <id>')
    .requiredOption('--min <n>')
    .requiredOption('--max <n>')
    .requiredOption('--reason <text>')
    .option('--hours <h>', 'expiry', '24')
    .option('--by <name>', 'who', who())
    .action((parameter, o) => {
      const p = { parameter, min: Number(o.min), max: Number(o.max), reason: o.reason, by: o.by, durationMs: Number(o.hours) * HOUR };
      return send(o, overrideBoundsSignal, (x) => validateOverride(x, governorSettings(ctx().config)), p, (ch) => `${ch}: ${parameter} bounds overridden to [${p.min}, ${p.max}] for ${o.hours} h`);
    });

  ap.command('clear-override <parameter>')
    .description('end a bounds override before it expires')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action((parameter, o) => send(o, clearOverrideSignal, validateClearOverride, { parameter, by: o.by, reason: o.reason }, (ch) => `${ch}: override of ${parameter} cleared`));

  ap.command('drift-check')
    .description('the governor’s view: pause, drift mode, rollback rates, prediction error, overrides (4.x)')
    .option('-c, --channel <id>')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const s = await governorStatus(await c.temporal(), ch);
      c.out(s, (x) => {
        const n = x.numbers;
        const rate = (r: typeof n.rollbackRate7d) => (r.rate === null ? '-' : `${fmt(r.rate)} (${r.rollbacks}/${r.deployments})`);
        return [
          `${ch}: ${x.pause ? `PAUSED (${x.pause.source}) by ${x.pause.by} until ${x.pause.until ?? 'resumed'}: ${x.pause.reason}` : 'not paused'}`,
          `drift mode: ${x.drift ? `since ${x.drift.since} (parameters ${x.drift.parameters.join(', ') || '-'})` : 'off'}`,
          `mode ${x.mode}, step scale ${n.stepScale}${n.correctionsOnly ? ', corrections only' : ''}, trailing failures ${n.trailingFailures}, backoff level ${x.backoffLevel ?? 0}`,
          `rollback rate 7 d: ${rate(n.rollbackRate7d)}   14 d: ${rate(n.rollbackRate14d)}   p50 prediction error 14 d: ${fmt(n.errorP50.p50)} (target < 20 %)`,
          'overrides:',
          table(x.overrides.map((v) => ({ parameter: v.parameter, range: `[${v.min}, ${v.max}]`, until: v.expiresAt, by: v.by, reason: v.reason }))),
        ].join('\n');
      });
    });

  ap.command('rollback <versionId>')
    .description('restore a stored card version now, checked against the current bounds (5.3, 5.5, 9.2)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action(async (versionId, o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const r = await rollbackToVersion(await c.temporal(), c.config.temporal.task_queue, { channel: ch, versionId, by: o.by, reason: o.reason });
      c.out(r, (x) => `restored ${x.restoredFrom} as ${x.versionId} (backup of the previous card: ${x.backupVersionId}); sha256 ${x.sha256.slice(0, 12)}`);
    });

  ap.command('force-deploy')
    .description('emergency deployment of given values: bounds and canary still apply; --bypass-golden skips the golden set with the operator token in $VVTV_BYPASS_TOKEN (9.2)')
    .option('-c, --channel <id>')
    .requiredOption('--set <param=value...>', 'values to deploy')
    .requiredOption('--reason <text>')
    .option('--bypass-golden', 'skip the golden set (needs $VVTV_BYPASS_TOKEN)')
    .option('--by <name>', 'who', who())
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const changes = (o.set as string[]).map((s) => {
        const [parameter, value] = s.split('=');
        if (!parameter || value === undefined || !Number.isFinite(Number(value))) throw new Error(`--set ${s}: expected parameter=number`);
        return { parameter, value: Number(value) };
      });
      const suffix = `force-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      if (o.bypassGolden) {
        const token = process.env.VVTV_BYPASS_TOKEN;
        if (!token) throw new Error('--bypass-golden: set VVTV_BYPASS_TOKEN to the operator token');
        depositBypassToken(c.config, cycleWorkflowId(ch, suffix), token); // never passed to Temporal
      }
      const handle = await startCycle(await c.temporal(), c.config.temporal.task_queue, { channel: ch, changes, reason: o.reason, ...(o.bypassGolden ? { bypassGolden: { by: o.by, reason: o.reason } } : {}) }, suffix);
      c.out({ cycleId: handle.workflowId }, (x) => `started ${x.cycleId}\n${uiLink(c.config.temporal.ui_url, c.config.temporal.namespace, x.cycleId)}`);
    });
}

function fmt(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-';
}
