import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { governorActivities } from './proxies';
import {
  clearOverride,
  configFlag,
  emergencyPause,
  expireDue,
  mayRun,
  nextDeadlineMs,
  operatorPause,
  registerCanary,
  resume,
  setOverride,
} from '../domain/governor';
import {
  governorMode,
  governorStatus,
  initialGovernorState,
  reject,
  reportOutcome,
  type GovernorEffect,
  type GovernorMode,
  type GovernorSettings,
  type GovernorState,
} from '../domain/governor';
import { SA_CHANNEL, emergencyStopSignal } from './messages';
import {
  SA_STATE,
  clearOverrideSignal,
  configFlagSignal,
  emergencyPauseSignal,
  governorStatusQuery,
  mayRunUpdate,
  overrideBoundsSignal,
  pauseSignal,
  registerCanaryUpdate,
  reportOutcomeUpdate,
  resumeSignal,
  validateClearOverride,
  validateConfigFlag,
  validateEmergencyPause,
  validateMayRun,
  validateOverride,
  validatePause,
  validateRegisterCanary,
  validateReport,
  validateResume,
  type GovernorInput,
} from './governor-messages';

/** What the governor's parts share: its state, the settings in force and the counters that wake the loop. */
interface Governor {
  channel: string;
  s: GovernorState;
  /** Replaced by the settings each cycle brings from the live config (mayRun), carried through continueAsNew. */
  settings: GovernorSettings;
  acts: ReturnType<typeof governorActivities>;
  /** Bumped by every transition: the main loop re-reads the deadlines. */
  version: number;
  /** Messages handled in this run (continueAsNew after settings.maxEventsPerRun). */
  handled: number;
  /** The effect pump is performing an effect / has been told to stop for continueAsNew. */
  draining: boolean;
  stopping: boolean;
}

async function stopCanary(g: Governor, canaryId: string, by: string, reason: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(canaryId).signal(emergencyStopSignal, { by, reason });
    log.warn('governor stopped the running canary', { channel: g.channel, canaryId, by });
  } catch (err) {
    // The canary may have finished already: nothing left to stop.
    log.info('canary could not be signalled (finished?)', { channel: g.channel, canaryId, error: String(err) });
  }
}

/** Applies a transition's effects: canary stops at once (latency matters), the rest in order. */
async function apply(g: Governor, effects: GovernorEffect[], message = true): Promise<void> {
  g.version++;
  if (message) g.handled++;
  const stops = effects.filter((e) => e.kind === 'stop_canary');
  g.s.outbox.push(...effects.filter((e) => e.kind !== 'stop_canary'));
  for (const e of stops) if (e.kind === 'stop_canary') await stopCanary(g, e.canaryId, e.by, e.reason);
}

/** A signal handler: a payload that fails its check is refused and logged (never fatal), else the transition runs. */
const signalled =
  <P>(g: Governor, kind: string, validate: (p: unknown) => void, run: (p: P, now: number) => GovernorEffect[]) =>
  async (p: P) => {
    try {
      validate(p);
    } catch (err) {
      reject(g.s, Date.now(), kind, String((p as { by?: unknown })?.by ?? 'unknown'), (err as Error).message);
      log.warn('governor signal refused', { channel: g.channel, kind, error: (err as Error).message });
      g.version++;
      g.handled++;
      return;
    }
    await apply(g, run(p, Date.now()));
  };

/** The operators' signals, the cycle's updates and the status query (4.x, 9.1-9.5). */
function listen(g: Governor): void {
  const { s } = g;
  setHandler(governorStatusQuery, () => governorStatus(s, Date.now(), g.settings));
  setHandler(
    pauseSignal,
    signalled(g, 'pause', validatePause, (p, now) => operatorPause(s, p, now)),
  );
  setHandler(
    resumeSignal,
    signalled(g, 'resume', validateResume, (p, now) => resume(s, p, now, g.settings)),
  );
  setHandler(
    emergencyPauseSignal,
    signalled(g, 'emergency_pause', validateEmergencyPause, (p, now) => emergencyPause(s, p, now)),
  );
  setHandler(
    configFlagSignal,
    signalled(g, 'config_flag', validateConfigFlag, (p, now) => configFlag(s, p, now, g.settings)),
  );
  setHandler(
    overrideBoundsSignal,
    signalled(
      g,
      'override_bounds',
      (p) => validateOverride(p, g.settings),
      (p, now) => setOverride(s, p, now, g.settings),
    ),
  );
  setHandler(
    clearOverrideSignal,
    signalled(g, 'clear_override', validateClearOverride, (p, now) => clearOverride(s, p, now)),
  );
  setHandler(
    mayRunUpdate,
    (r) => {
      if (r.settings && JSON.stringify(r.settings) !== JSON.stringify(g.settings)) {
        g.settings = r.settings;
        log.info('governor settings updated from the config', { channel: g.channel, cycleId: r.cycleId });
      }
      const { answer, effects } = mayRun(s, { cycleId: r.cycleId, at: r.at }, Date.now(), g.settings);
      void apply(g, effects);
      return answer;
    },
    { validator: validateMayRun },
  );
  setHandler(
    registerCanaryUpdate,
    async (r) => {
      const { answer, effects } = registerCanary(s, r, Date.now());
      await apply(g, effects);
      return answer;
    },
    { validator: validateRegisterCanary },
  );
  setHandler(
    reportOutcomeUpdate,
    (r) => {
      const { answer, effects } = reportOutcome(s, r, Date.now(), g.settings);
      void apply(g, effects);
      if (answer.actions.length)
        log.info('governor applied the drift rules', { channel: g.channel, cycleId: r.cycleId, actions: answer.actions });
      return answer;
    },
    { validator: validateReport },
  );
}

async function perform(g: Governor, e: GovernorEffect): Promise<void> {
  const { acts, channel } = g;
  switch (e.kind) {
    case 'record_event':
      return void (await acts.recordDriftEvent({ event: e.event }));
    case 'resolve_event':
      return void (await acts.resolveDriftEvent({ event: e.event }));
    case 'alert':
      return acts.raiseGovernorAlert({ ...e.alert, channel });
    case 'decision':
      return acts.recordGovernorDecision({ channel, kind: e.decisionKind, summary: e.summary, payload: e.payload, cycleId: e.cycleId });
    case 'stop_canary':
      return stopCanary(g, e.canaryId, e.by, e.reason);
  }
}

/** Performs the effects beside the main loop, so a slow or retried activity never delays a timer. */
async function pump(g: Governor): Promise<void> {
  for (;;) {
    await condition(() => g.s.outbox.length > 0 && !g.stopping);
    g.draining = true;
    while (g.s.outbox.length && !g.stopping) {
      const e = g.s.outbox[0];
      try {
        await perform(g, e);
      } catch (err) {
        log.error('governor effect failed after retries; dropped', { channel: g.channel, kind: e.kind, error: String(err) });
      }
      g.s.outbox.shift();
    }
    g.draining = false;
  }
}

/**
 * The governor: one long-lived workflow per channel (`autopilot-governor/<channel>`)
 * that owns the safety state — pause (until, why, by whom), backoff, drift mode, bounds overrides,
 * the running cycle — and the timers that end pauses and overrides. Every decision is a domain
 * call; this shell holds the waits and performs the effects (alerts, audit, drift rows, canary stop).
 * Its parts: listen (messages), pump (effects), and the loop below (timers, search attribute,
 * continueAsNew).
 */
export async function autopilotGovernor(input: GovernorInput): Promise<void> {
  const { channel } = input;
  const g: Governor = {
    channel,
    s: input.state ?? initialGovernorState(channel),
    settings: input.settings,
    acts: governorActivities(),
    version: 0,
    handled: 0,
    draining: false,
    stopping: false,
  };
  listen(g);
  void pump(g);

  let shownMode: GovernorMode | null = null;
  const showState = () => {
    const mode = governorMode(g.s);
    if (mode === shownMode) return;
    upsertSearchAttributes([
      { key: SA_STATE, value: mode },
      { key: SA_CHANNEL, value: channel },
    ]);
    shownMode = mode;
  };

  const timeForNewRun = () => g.handled >= g.settings.maxEventsPerRun || workflowInfo().continueAsNewSuggested;
  for (;;) {
    showState();
    const seen = g.version;
    const deadline = nextDeadlineMs(g.s);
    const due = () => g.version !== seen || timeForNewRun();
    const wait = deadline === null ? null : deadline - Date.now();
    if (wait === null) await condition(due);
    else if (wait > 0) await condition(due, wait);
    await apply(g, expireDue(g.s, Date.now(), g.settings), false);
    showState();
    if (timeForNewRun()) {
      // Let handlers and the effect in flight finish; effects not yet performed ride along in the state.
      g.stopping = true;
      await condition(() => allHandlersFinished() && !g.draining);
      log.info('governor continues as new', {
        channel,
        handled: g.handled,
        pendingEffects: g.s.outbox.length,
        historyLength: workflowInfo().historyLength,
      });
      await continueAsNew<typeof autopilotGovernor>({ channel, settings: g.settings, state: g.s });
    }
  }
}
