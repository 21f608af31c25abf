import { completeBounds } from '../domain/bounds';
import {
  TRIAGE_DEFAULTS,
  triageWindow,
  type AppliedAdjustment,
  type CategoryCounts,
  type IssueOutcome,
  type PatchSuggestion,
  type TriageCycle,
  type TriageFacts,
  type TriageReport,
  type TriageSettings,
} from '../domain/triage';
import { githubFromConfig, type IssueTracker } from '../adapters/github';
import type { CanaryRecord, CycleRecord } from '../domain/records';
import { getPath } from '../config/card';
import { ValidationError } from '../config/errors';
import { guard, type Deps } from './deps';

export interface TriageActivityOptions {
  /** Where the GitHub token env var is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A tracker to use instead of the one built from config (null = disabled). */
  tracker?: IssueTracker | null;
}

export interface GatheredFacts {
  facts: TriageFacts;
  settings: TriageSettings;
  operationTimeoutMs: number;
}

const MINUTE = 60_000;
const EPS = 1e-9;
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
const appliedTag = (weekStart: string, fingerprint: string) => `[triage ${weekStart} ${fingerprint}]`;

/** Only what the triage reads of a cycle and its canary (the verdict's owner): keeps the activity payload small. */
function slimCycle(c: CycleRecord, k: CanaryRecord | null): TriageCycle {
  const r = c.report;
  const finished = k?.finished_at ? ms(k.finished_at) - ms(k.started_at) : NaN;
  const canaryMs = Number.isFinite(finished) ? finished : null;
  const verdict = k?.verdict ? { rule: k.verdict.rule, reason: k.verdict.reason } : null;
  const canary = r.canary ? { decidedBy: r.canary.decidedBy, decision: r.canary.decision, verdict } : undefined;
  const golden = r.golden
    ? {
        status: r.golden.status,
        failed: r.golden.failed,
        total: r.golden.total,
        durationMs: r.golden.durationMs,
        failures: r.golden.failures.slice(0, 1).map((f) => ({ case: f.case, check: f.check })),
      }
    : undefined;
  return {
    cycleId: c.cycle_id,
    startedAt: c.started_at,
    finishedAt: c.finished_at ?? null,
    status: c.status,
    outcome: c.outcome ?? null,
    error: c.error ?? null,
    canaryMs,
    report: { message: r.message, proposals: r.proposals, bounds: r.bounds, ...(canary ? { canary } : {}), ...(golden ? { golden } : {}) },
  };
}

/** The weekly triage's I/O (7.1-7.5): gather the week, apply bounds, open issues, store the report. */
export function createTriageActivities(deps: Deps, opts: TriageActivityOptions = {}) {
  const now = () => (deps.now ? deps.now() : new Date());
  const tracker = (): { tracker: IssueTracker | null; reason: string | null } =>
    opts.tracker !== undefined
      ? { tracker: opts.tracker, reason: opts.tracker ? null : 'GitHub issues disabled' }
      : githubFromConfig(deps.config().incident_triage.github, opts.env ?? process.env);

  return {
    /** The week's cycles, alerts, drift events, bounds adjustments and current bounds (7.1, 7.2). */
    async gatherTriageFacts(input: { channel: string; weekEnd?: string }): Promise<GatheredFacts> {
      return guard(() => {
        const c = deps.config();
        const problems: string[] = [];
        if (!c.channels.includes(input.channel)) problems.push(`channel: expected one of ${c.channels.join(', ')}, got ${input.channel}`);
        if (input.weekEnd !== undefined && !Number.isFinite(Date.parse(input.weekEnd)))
          problems.push(`weekEnd: expected an ISO date-time, got ${input.weekEnd}`);
        if (problems.length) throw new ValidationError('triage input', problems);
        const days = c.incident_triage.window_days;
        const { weekStart, weekEnd } = input.weekEnd
          ? {
              weekStart: new Date(Date.parse(input.weekEnd) - days * 86_400_000).toISOString(),
              weekEnd: new Date(Date.parse(input.weekEnd)).toISOString(),
            }
          : triageWindow(now(), days);
        const inWindow = (at: string) => at >= weekStart && at < weekEnd;
        const state = deps;
        const cycles = state.cycleLog
          .between(input.channel, weekStart, weekEnd)
          .map((cy) => slimCycle(cy, cy.canary_id ? state.canaryLog.get(cy.canary_id) : null));
        const alerts = state.auditLog.between(input.channel, weekStart, weekEnd, 'alert').map((d) => {
          const a = (d.payload ?? {}) as Partial<Record<'name' | 'severity' | 'summary', unknown>> & { details?: Record<string, unknown> };
          return {
            at: d.at,
            cycleId: d.cycle_id ?? null,
            name: String(a.name ?? 'unknown'),
            severity: String(a.severity ?? 'warning'),
            summary: String(a.summary ?? d.summary),
            details: a.details,
          };
        });
        const driftEvents = state.driftLog
          .list(input.channel, { limit: 1000 })
          .filter((e) => inWindow(e.at))
          .map((e) => ({ at: e.at, kind: e.kind, action: e.action, numbers: e.numbers, resolvedAt: e.resolved_at ?? null }));
        const adjustments = state.boundsStore
          .adjustments(input.channel, 1000)
          .filter((a) => inWindow(a.at))
          .map((a) => ({
            parameter: a.parameter,
            at: a.at,
            kind: a.kind,
            oldMin: a.old_min,
            oldMax: a.old_max,
            newMin: a.new_min,
            newMax: a.new_max,
            rationale: a.rationale,
          }));
        const bounds = completeBounds(c.parameters, state.boundsStore.get(input.channel), now().toISOString());

        let current: Record<string, number> | undefined;
        try {
          const card = deps.cards(input.channel).load().card;
          current = {};
          for (const p of c.parameters) {
            const v = getPath(card, p.card_path);
            if (typeof v === 'number') current[p.name] = v;
          }
        } catch {
          current = undefined; // an invalid card is itself a finding; bounds then keep only the rolled-back values' origin
        }

        const operationTimeoutMs = c.autopilot.operation_timeout_minutes * MINUTE;
        const settings: TriageSettings = {
          patternThreshold: c.incident_triage.pattern_threshold,
          slowCycleMs: operationTimeoutMs / 2,
          stuckCycleMs: (c.canary.duration_minutes + c.canary.inconclusive_decision_window_minutes) * MINUTE + 2 * operationTimeoutMs,
          contractionFactor: c.sliding_bounds.contraction_factor,
          minWidthFraction: c.sliding_bounds.min_width_fraction,
          maxWeeklyExpansion: c.sliding_bounds.max_weekly_expansion,
          autoApplyConfidence: TRIAGE_DEFAULTS.autoApplyConfidence,
          maxInstances: TRIAGE_DEFAULTS.maxInstances,
        };
        const facts: TriageFacts = {
          channel: input.channel,
          weekStart,
          weekEnd,
          cycles,
          alerts,
          driftEvents,
          adjustments,
          bounds,
          params: c.parameters,
          ...(current ? { current } : {}),
        };
        return { facts, settings, operationTimeoutMs };
      });
    },

    /**
     * 7.5: applies high-confidence bounds suggestions as `triage` adjustments. Idempotent per
     * (week, pattern); skipped when the bounds moved since they were read, or while paused (9.2).
     */
    async applyTriageBounds(input: { channel: string; weekStart: string; suggestions: PatchSuggestion[] }): Promise<AppliedAdjustment[]> {
      const c = deps.config();
      const at = now().toISOString();
      const paused = c.autopilot.emergency_pause ? 'emergency_pause is set' : !c.autopilot.enabled ? 'autopilot.enabled is false' : null;
      const out: AppliedAdjustment[] = [];
      for (const s of input.suggestions) {
        if (!s.parameter || !s.proposed || !s.basis || s.kind === 'manual_review') continue;
        const kind = s.kind;
        const row = (status: AppliedAdjustment['status'], oldMin: number, oldMax: number, reason?: string): AppliedAdjustment => ({
          fingerprint: s.fingerprint,
          parameter: s.parameter!,
          kind,
          status,
          oldMin,
          oldMax,
          newMin: s.proposed!.min,
          newMax: s.proposed!.max,
          at,
          ...(reason ? { reason } : {}),
        });
        const tag = appliedTag(input.weekStart, s.fingerprint);
        const done = deps.boundsStore
          .adjustments(input.channel, 1000)
          .find((a) => a.kind === 'triage' && a.parameter === s.parameter && a.rationale.includes(tag));
        if (done) {
          out.push({
            ...row('already_applied', done.old_min ?? NaN, done.old_max ?? NaN),
            newMin: done.new_min,
            newMax: done.new_max,
            at: done.at,
          });
          continue;
        }
        if (paused) {
          out.push(row('skipped', s.basis.min, s.basis.max, `not applied while paused: ${paused} (9.2)`));
          continue;
        }
        const p = c.parameters.find((x) => x.name === s.parameter);
        const cur = p ? completeBounds([p], deps.boundsStore.get(input.channel), at)[0] : undefined;
        if (!p || !cur) {
          out.push(row('skipped', s.basis.min, s.basis.max, `unknown parameter ${s.parameter}`));
          continue;
        }
        if (Math.abs(cur.min - s.basis.min) > EPS || Math.abs(cur.max - s.basis.max) > EPS) {
          out.push(
            row(
              'skipped',
              cur.min,
              cur.max,
              `bounds moved since the triage read them ([${s.basis.min}, ${s.basis.max}] → [${cur.min}, ${cur.max}])`,
            ),
          );
          continue;
        }
        const { min, max } = s.proposed;
        if (!(min >= p.hard_min - EPS && max <= p.hard_max + EPS && min < max)) {
          out.push(
            row('skipped', cur.min, cur.max, `proposed [${min}, ${max}] leaves the hard limits [${p.hard_min}, ${p.hard_max}] (2.4)`),
          );
          continue;
        }
        deps.boundsStore.save(
          input.channel,
          [{ ...cur, min, max, updatedAt: at }],
          [
            {
              channel: input.channel,
              parameter: p.name,
              at,
              kind: 'triage',
              old_min: cur.min,
              old_max: cur.max,
              new_min: min,
              new_max: max,
              rationale: `${tag} ${s.kind}: ${s.rationale}`,
            },
          ],
        );
        deps.logger.info(
          {
            channel: input.channel,
            parameter: p.name,
            from: [cur.min, cur.max],
            to: [min, max],
            fingerprint: s.fingerprint,
            confidence: s.confidence,
          },
          'triage adjusted bounds',
        );
        out.push(row('applied', cur.min, cur.max));
      }
      return out;
    },

    /** 7.4: an issue per manual-review suggestion (or a comment on the open one); disabled → null with the reason. */
    async openTriageIssues(input: {
      channel: string;
      weekStart: string;
      weekEnd: string;
      counts: CategoryCounts;
      suggestions: PatchSuggestion[];
    }): Promise<IssueOutcome[]> {
      const t = tracker();
      const out: IssueOutcome[] = [];
      for (const s of input.suggestions) {
        if (!t.tracker) {
          out.push({ fingerprint: s.fingerprint, pattern: s.pattern, issue: null, reason: t.reason ?? 'GitHub issues disabled' });
          continue;
        }
        try {
          const issue = await t.tracker.report({
            channel: input.channel,
            weekStart: input.weekStart,
            weekEnd: input.weekEnd,
            counts: input.counts,
            suggestion: s,
          });
          deps.logger.info(
            { channel: input.channel, fingerprint: s.fingerprint, issue: issue.number, action: issue.action },
            'triage issue reported',
          );
          out.push({ fingerprint: s.fingerprint, pattern: s.pattern, issue });
        } catch (err) {
          const e = err as { status?: number; message?: string };
          const reason = `GitHub request failed${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message ?? String(err)}`;
          deps.logger.warn({ channel: input.channel, fingerprint: s.fingerprint, status: e.status }, 'triage issue not reported');
          out.push({ fingerprint: s.fingerprint, pattern: s.pattern, issue: null, reason });
        }
      }
      return out;
    },

    /** Stores the report (one per channel and week) and an audit record (8.4). */
    async saveTriageReport(input: { report: TriageReport }): Promise<number> {
      const r = input.report;
      const at = now().toISOString();
      const id = deps.triageLog.save(r.channel, r.weekStart, at, r);
      const applied = r.appliedAdjustments.filter((a) => a.status === 'applied').length;
      const opened = r.issues.filter((i) => i.issue).length;
      const summary =
        `weekly triage ${r.weekStart}: ${r.counts.total} failure(s), ${r.patterns.length} pattern(s), ` +
        `${applied} bounds adjustment(s), ${opened} issue(s)`;
      deps.auditLog.record({
        channel: r.channel,
        cycle_id: null,
        at,
        kind: 'triage',
        summary,
        payload: {
          reportId: id,
          weekStart: r.weekStart,
          weekEnd: r.weekEnd,
          mode: r.mode,
          counts: r.counts,
          patterns: r.patterns.map((p) => ({ key: p.key, count: p.count })),
          appliedAdjustments: r.appliedAdjustments,
          issues: r.issues,
        },
      });
      deps.logger.info({ channel: r.channel, weekStart: r.weekStart, counts: r.counts, reportId: id }, summary);
      return id;
    },
  };
}

export type TriageActivities = ReturnType<typeof createTriageActivities>;
