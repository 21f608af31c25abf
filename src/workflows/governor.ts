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
import { reportOutcome } from '../domain/governor';
import { governorMode, governorStatus, initialGovernorState, reject, type GovernorEffect, type GovernorMode } from '../domain/governor';
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

/**
 * The governor: one long-lived workflow per channel (`autopilot-governor/<channel>`)
 * that owns the safety state — pause (until, why, by whom), backoff, drift mode, bounds overrides,
 * the running cycle — and the timers that end pauses and overrides. Every decision is a domain
 * call; this shell holds the waits and performs the effects (alerts, audit, drift rows, canary stop).
 */
export async function autopilotGovernor(input: GovernorInput): Promise<void> {
  const { channel } = input;
  // Replaced by the settings each cycle brings from the live config (mayRun), carried through continueAsNew.
  let settings = input.settings;
  const s = input.state ?? initialGovernorState(channel);
  const acts = governorActivities();
  let version = 0;
  let handled = 0;

  /** Applies a transition's effects: canary stops at once (latency matters), the rest in order. */
  const apply = async (effects: GovernorEffect[], message = true): Promise<void> => {
    version++;
    if (message) handled++;
    const stops = effects.filter((e) => e.kind === 'stop_canary');
    s.outbox.push(...effects.filter((e) => e.kind !== 'stop_canary'));
    for (const e of stops) if (e.kind === 'stop_canary') await stopCanary(e.canaryId, e.by, e.reason);
  };
  const signalled =
    <P>(kind: string, validate: (p: unknown) => void, run: (p: P, now: number) => GovernorEffect[]) =>
    async (p: P) => {
      try {
        validate(p);
      } catch (err) {
        reject(s, Date.now(), kind, String((p as { by?: unknown })?.by ?? 'unknown'), (err as Error).message);
        log.warn('governor signal refused', { channel, kind, error: (err as Error).message });
        version++;
        handled++;
        return;
      }
      await apply(run(p, Date.now()));
    };

  setHandler(governorStatusQuery, () => governorStatus(s, Date.now(), settings));
  setHandler(
    pauseSignal,
    signalled('pause', validatePause, (p, now) => operatorPause(s, p, now)),
  );
  setHandler(
    resumeSignal,
    signalled('resume', validateResume, (p, now) => resume(s, p, now, settings)),
  );
  setHandler(
    emergencyPauseSignal,
    signalled('emergency_pause', validateEmergencyPause, (p, now) => emergencyPause(s, p, now)),
  );
  setHandler(
    configFlagSignal,
    signalled('config_flag', validateConfigFlag, (p, now) => configFlag(s, p, now, settings)),
  );
  setHandler(
    overrideBoundsSignal,
    signalled(
      'override_bounds',
      (p) => validateOverride(p, settings),
      (p, now) => setOverride(s, p, now, settings),
    ),
  );
  setHandler(
    clearOverrideSignal,
    signalled('clear_override', validateClearOverride, (p, now) => clearOverride(s, p, now)),
  );
  setHandler(
    mayRunUpdate,
    (r) => {
      if (r.settings && JSON.stringify(r.settings) !== JSON.stringify(settings)) {
        settings = r.settings;
        log.info('governor settings updated from the config', { channel, cycleId: r.cycleId });
      }
      const { answer, effects } = mayRun(s, { cycleId: r.cycleId, at: r.at }, Date.now(), settings);
      void apply(effects);
      return answer;
    },
    { validator: validateMayRun },
  );
  setHandler(
    registerCanaryUpdate,
    async (r) => {
      const { answer, effects } = registerCanary(s, r, Date.now());
      await apply(effects);
      return answer;
    },
    { validator: validateRegisterCanary },
  );
  setHandler(
    reportOutcomeUpdate,
    (r) => {
      const { answer, effects } = reportOutcome(s, r, Date.now(), settings);
      void apply(effects);
      if (answer.actions.length) log.info('governor applied the drift rules', { channel, cycleId: r.cycleId, actions: answer.actions });
      return answer;
    },
    { validator: validateReport },
  );

  async function stopCanary(canaryId: string, by: string, reason: string): Promise<void> {
    try {
      await getExternalWorkflowHandle(canaryId).signal(emergencyStopSignal, { by, reason });
      log.warn('governor stopped the running canary', { channel, canaryId, by });
    } catch (err) {
      // The canary may have finished already: nothing left to stop.
      log.info('canary could not be signalled (finished?)', { channel, canaryId, error: String(err) });
    }
  }

  async function perform(e: GovernorEffect): Promise<void> {
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
        return stopCanary(e.canaryId, e.by, e.reason);
    }
  }

  // Effects run beside the main loop, so a slow or retried activity never delays a timer.
  let draining = false;
  let stopping = false;
  async function pump(): Promise<void> {
    for (;;) {
      await condition(() => s.outbox.length > 0 && !stopping);
      draining = true;
      while (s.outbox.length && !stopping) {
        const e = s.outbox[0];
        try {
          await perform(e);
        } catch (err) {
          log.error('governor effect failed after retries; dropped', { channel, kind: e.kind, error: String(err) });
        }
        s.outbox.shift();
      }
      draining = false;
    }
  }
  void pump();

  let shownMode: GovernorMode | null = null;
  const showState = () => {
    const mode = governorMode(s);
    if (mode === shownMode) return;
    upsertSearchAttributes([
      { key: SA_STATE, value: mode },
      { key: SA_CHANNEL, value: channel },
    ]);
    shownMode = mode;
  };

  const timeForNewRun = () => handled >= settings.maxEventsPerRun || workflowInfo().continueAsNewSuggested;
  for (;;) {
    showState();
    const seen = version;
    const deadline = nextDeadlineMs(s);
    const due = () => version !== seen || timeForNewRun();
    const wait = deadline === null ? null : deadline - Date.now();
    if (wait === null) await condition(due);
    else if (wait > 0) await condition(due, wait);
    await apply(expireDue(s, Date.now(), settings), false);
    showState();
    if (timeForNewRun()) {
      // Let handlers and the effect in flight finish; effects not yet performed ride along in the state.
      stopping = true;
      await condition(() => allHandlersFinished() && !draining);
      log.info('governor continues as new', {
        channel,
        handled,
        pendingEffects: s.outbox.length,
        historyLength: workflowInfo().historyLength,
      });
      await continueAsNew<typeof autopilotGovernor>({ channel, settings, state: s });
    }
  }
}
