/** Commands that steer the channel's governor (9.1-9.5, 4.x) and the emergency tools (9.2, 5.3). */
import type { SignalDefinition } from '@temporalio/common';
import { forceDeploy as startForcedCycle, rollbackToVersion, signalGovernor, uiLink } from '../client';
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
import { ValidationError } from '../config/errors';
import { governorSettings } from '../governor/settings';
import type { CliContext } from './context';

const HOUR = 3_600_000;

interface Signed {
  channel?: string;
  reason: string;
  by: string;
}

/** Checks an operator's payload here first (the field is named), then signals the governor (starting it if needed). */
async function send<P>(
  c: CliContext,
  o: { channel?: string },
  signal: SignalDefinition<[P]>,
  validate: (p: unknown) => void,
  payload: P,
  done: (ch: string) => string,
) {
  const ch = c.channel(o.channel);
  validate(payload);
  await signalGovernor(await c.temporal(), c.config, ch, signal, payload);
  c.out({ channel: ch, signal: signal.name, payload }, () => done(ch));
}

export async function pause(c: CliContext, o: Signed & { hours?: string }): Promise<void> {
  const payload = { by: o.by, reason: o.reason, ...(o.hours ? { durationMs: Number(o.hours) * HOUR } : {}) };
  await send(c, o, pauseSignal, validatePause, payload, (ch) => `${ch}: pause sent${o.hours ? ` for ${o.hours} h` : ''}`);
}

export async function resume(c: CliContext, o: Signed): Promise<void> {
  await send(c, o, resumeSignal, validateResume, { by: o.by, reason: o.reason }, (ch) => `${ch}: resume sent`);
}

export async function emergencyPause(c: CliContext, o: Signed): Promise<void> {
  const done = (ch: string) => `${ch}: emergency pause sent; a running canary is rolled back`;
  await send(c, o, emergencyPauseSignal, validateEmergencyPause, { by: o.by, reason: o.reason }, done);
}

export async function overrideBounds(
  c: CliContext,
  parameter: string,
  o: Signed & { min: string; max: string; hours: string },
): Promise<void> {
  const p = { parameter, min: Number(o.min), max: Number(o.max), reason: o.reason, by: o.by, durationMs: Number(o.hours) * HOUR };
  const check = (x: unknown) => validateOverride(x, governorSettings(c.config));
  await send(
    c,
    o,
    overrideBoundsSignal,
    check,
    p,
    (ch) => `${ch}: ${parameter} bounds overridden to [${p.min}, ${p.max}] for ${o.hours} h`,
  );
}

export async function clearOverride(c: CliContext, parameter: string, o: Signed): Promise<void> {
  const payload = { parameter, by: o.by, reason: o.reason };
  await send(c, o, clearOverrideSignal, validateClearOverride, payload, (ch) => `${ch}: override of ${parameter} cleared`);
}

export async function rollback(c: CliContext, versionId: string, o: Signed): Promise<void> {
  const ch = c.channel(o.channel);
  const r = await rollbackToVersion(await c.temporal(), c.config.temporal.task_queue, {
    channel: ch,
    versionId,
    by: o.by,
    reason: o.reason,
  });
  c.out(
    r,
    (x) =>
      `restored ${x.restoredFrom} as ${x.versionId} (backup of the previous card: ${x.backupVersionId}); sha256 ${x.sha256.slice(0, 12)}`,
  );
}

export async function forceDeploy(c: CliContext, o: Signed & { set: string[]; bypassGolden?: boolean }): Promise<void> {
  const ch = c.channel(o.channel);
  const changes = o.set.map((s) => {
    const [parameter, value] = s.split('=');
    if (!parameter || value === undefined || !Number.isFinite(Number(value)))
      throw new ValidationError('--set', [`${s}: expected parameter=number`]);
    return { parameter, value: Number(value) };
  });
  const bypassToken = o.bypassGolden ? process.env.VVTV_BYPASS_TOKEN : undefined;
  if (o.bypassGolden && !bypassToken) throw new Error('--bypass-golden: set VVTV_BYPASS_TOKEN to the operator token');
  const handle = await startForcedCycle(await c.temporal(), c.config, { channel: ch, changes, reason: o.reason, by: o.by, bypassToken });
  c.out(
    { cycleId: handle.workflowId },
    (x) => `started ${x.cycleId}\n${uiLink(c.config.temporal.ui_url, c.config.temporal.namespace, x.cycleId)}`,
  );
}
