import { z } from 'zod';
import { ParameterSpecSchema, ProposalRulesSchema } from '../domain/parameter-spec';
import { DEFAULT_RULES } from './rules';
import { VVTV_SELECTION_BATCH_SIZE } from './card';

/** Days of the week as Temporal schedule calendars name them. */
export const DayOfWeek = z.enum(['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY']);

const hour = z.number().int().min(0).max(23);
const minute = z.number().int().min(0).max(59);
const positive = z.number().positive();
const fraction = z.number().gt(0).lt(1);

export { ParameterSpecSchema, ProposalRuleSchema, type ParameterSpec, type ProposalRule } from '../domain/parameter-spec';

export const KpiSpecSchema = z.strictObject({
  /** The KPI's name, as the card's `kpis` spell it (`selection_entropy`). */
  name: z.string().min(1),
  /**
   * business_metrics.metric_type of its rows. Absent: the name as VVTV stores it, lower-cased
   * without underscores (`selectionentropy`).
   */
  metric_type: z.string().min(1).max(200).optional(),
  goal: z.enum(['maximize', 'minimize']),
  /** primary KPIs decide Proceed; guardrails can only veto. */
  role: z.enum(['primary', 'guardrail']),
  weight: positive.default(1),
  /**
   * Relative worsening tolerated before the KPI counts as Degraded (guardrails): 0.3 means the
   * canary rolls back only when it is significantly more than 30 % worse than control.
   */
  tolerance: z.number().min(0).max(1).default(0),
  /** Target band: analysis proposes corrections when the 24 h level leaves it. */
  target_min: z.number().optional(),
  target_max: z.number().optional(),
});

/** A channel id: also a path segment of the card path and the history folder. */
export const CHANNEL_ID_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const hasNul = (p: string) => p.includes('\0');
/** `..` segments that climb above where the path starts (`a/../..`, `../x`). */
const climbsOut = (p: string) => {
  let depth = 0;
  for (const seg of p.split(/[\\/]+/)) {
    if (seg === '..') depth--;
    else if (seg !== '.' && seg !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
};
const isAbsolutePath = (p: string) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);

/**
 * A store path: absolute (the operator's choice, e.g. VVTV's own card), or relative to data_dir
 * and staying inside it. Never a NUL byte.
 */
const storePathField = (def: string) =>
  z
    .string()
    .min(1)
    .refine((p) => !hasNul(p), 'expected a path without a NUL byte')
    .refine((p) => isAbsolutePath(p) || !climbsOut(p), "expected an absolute path or one inside data_dir (no '..' out of it)")
    .default(def);

/** A store path with no default: absent means the store is not used. */
const optionalStorePathField = () =>
  z
    .string()
    .min(1)
    .refine((p) => !hasNul(p), 'expected a path without a NUL byte')
    .refine((p) => isAbsolutePath(p) || !climbsOut(p), "expected an absolute path or one inside data_dir (no '..' out of it)")
    .optional();

export const AutopilotConfigSchema = z
  .strictObject({
    channels: z.array(z.string().regex(CHANNEL_ID_RE, 'expected a lowercase channel id')).min(1),
    data_dir: z
      .string()
      .min(1)
      .refine((p) => !hasNul(p), 'expected a path without a NUL byte')
      .default('.data'),
    autopilot: z.strictObject({
      enabled: z.boolean().default(true),
      /** 9.1: flipping this to true pauses every channel within 30 s, without a restart. */
      emergency_pause: z.boolean().default(false),
      schedule: z
        .strictObject({
          hour: hour.default(3),
          minute: minute.default(0),
          /**
           * Spreads the channels' daily cycles over this many minutes after hour:minute, each
           * channel at a fixed offset of its own (a hash of its name), so a fleet of channels does
           * not start on one host at the same second. 0: every channel at hour:minute.
           */
          spread_minutes: z.number().int().min(0).max(720).default(0),
        })
        .prefault({}),
      analysis_window_hours: positive.default(24),
      /** 8.3: any operation but the canary wait times out after this and alerts. */
      operation_timeout_minutes: positive.default(10),
      max_changes_per_cycle: z.number().int().min(1).max(10).default(2),
      min_samples_for_analysis: z.number().int().min(3).default(30),
    }),
    canary: z.strictObject({
      traffic_percentage: z.number().gt(0).max(0.5, 'expected a number in (0, 0.5]').default(0.2),
      duration_minutes: positive.default(60),
      check_interval_minutes: positive.default(1),
      confidence_level: fraction.default(0.95),
      min_samples_per_group: z.number().int().min(2).default(30),
      /**
       * Relative margin within which a primary KPI counts as "neutral" (non-inferior). 0.5 %: with
       * the judge's variance reduction a canary resolves that much, and a wider margin let an
       * active learner keep small real losses (issue 12, docs/decision-quality.md).
       */
      non_inferiority_margin: z.number().min(0).max(0.5).default(0.005),
      /** 3.4/3.5: how long an Inconclusive canary waits for an operator before rolling back. */
      inconclusive_decision_window_minutes: z.number().min(0).default(30),
      /**
       * How the canary reaches viewers (docs/vvtv-integration.md). `overlay`: the planner reads the
       * canary overlay and tags its rows (a planner that meets the overlay contract). `switchback`:
       * nothing from the planner; the card itself alternates between control and canary values in
       * time blocks, and rows count by their timestamp (an unmodified VVTV).
       */
      mode: z.enum(['overlay', 'switchback']).default('overlay'),
      switchback: z
        .strictObject({
          /** Length of one block. */
          block_minutes: positive.default(5),
          /**
           * The candidate's share of blocks (one block in every round(1 / share), at a random
           * position). Half the time buys the most power per hour (bench/canary-stats.ts --mode=switchback).
           */
          share: z.number().gt(0).max(0.5, 'expected a number in (0, 0.5]').default(0.5),
          /** Rows in the first minutes after a switch are left out (the planner reloading, slots in flight). */
          washout_minutes: z.number().min(0).default(1),
          /** Blocks with fewer rows than this (after the wash-out) are left out of the analysis. */
          min_rows_per_block: z.number().int().min(1).default(5),
          /** The judge needs at least this many blocks per arm. */
          min_blocks_per_arm: z.number().int().min(2).default(3),
        })
        .refine((s) => s.washout_minutes < s.block_minutes, {
          message: 'expected washout_minutes < block_minutes',
          path: ['washout_minutes'],
        })
        .prefault({}),
      /**
       * Group-sequential stages (issue 12): a canary neither degraded nor confirmed at the end of
       * its planned duration continues for up to this many stages of that duration in all; the
       * error is spent across every stage up front (canary/judge.ts). 1 = a single fixed horizon.
       */
      max_stages: z.number().int().min(1).max(8).default(8),
      /**
       * Variance reduction of the overlay canary's measurement (issue 12; docs/decision-quality.md).
       * `cuped`: regression adjustment on covariates fixed before the canary (the KPI's level in
       * the same hour of day over `pre_period_days`, and the planner's `control_prediction` and
       * `canary_prediction` tags; per-arm slopes when the groups are large enough).
       * `paired`: the triggered-slot analysis when the planner tags rows `paired_triggered`, with
       * its sample-ratio and placebo checks. Each does nothing when the data lack what it needs.
       */
      variance_reduction: z
        .strictObject({
          cuped: z.boolean().default(true),
          paired: z.boolean().default(true),
          pre_period_days: z.number().gt(0).max(60).default(7),
        })
        .prefault({}),
    }),
    /**
     * The learning optimizer (1.4): how bold it is. The defaults are the measured ones
     * (bench/dq-frontier.ts; docs/configuration.md says what each trades).
     */
    optimizer: z
      .strictObject({
        /**
         * Probe a parameter the model is unsure about when no move is likely enough to pass. Off by
         * default: over six simulated seeds probes took the rollback rate from 3.5 % to 17 % for
         * about 10 % more gain (4.3; docs/decision-quality.md).
         */
        explore: z.boolean().default(false),
        /**
         * A non-exploration move needs at least this predicted probability of passing its canary.
         * 0.8 since the forecast knows the judge's variance reduction (issue 12: 0.9 kept the learner
         * at about 0.63 of the reachable oracle); 0.7 since canaries run up to eight stages (the
         * forecast is a lower bound: 175 of 176 canaries passed at 0.8; docs/decision-quality.md).
         */
        min_proceed_probability: fraction.default(0.7),
        /** Smallest predicted objective gain worth a canary (≈ weighted relative change). */
        min_gain: z.number().min(0).default(0.005),
        /** A probe needs at least this predicted probability that no KPI is found degraded. */
        min_safe_probability: fraction.default(0.7),
        /** Cost of a rolled-back canary in objective units (the probe's expected utility). */
        rollback_cost: z.number().min(0).default(0.01),
        /** No probe within this many days after a rolled-back canary. */
        exploration_cooldown_days: z.number().min(0).default(7),
        /** Largest distance from the last known-good card, in steps of each parameter. */
        trust_radius_steps: z.number().int().min(1).default(3),
        /**
         * Forecast each canary with the variance reduction recent canaries' judges achieved per KPI
         * (the least of the last three, once two measured it): without it the forecast assumes the
         * raw variance and understates a variance-reduced canary's power (issue 12).
         */
        forecast_variance_reduction: z.boolean().default(true),
        /**
         * A Correction is judged on the band it brings back (issue 12: that KPI improved, no KPI
         * degraded beyond its margin); false: every canary on the primary (improved or
         * non-inferior), Corrections included.
         */
        band_purposes: z.boolean().default(true),
        /** Past canaries lose half their weight after this many days (a moving optimum). */
        half_life_days: positive.default(14),
        /** Past canaries lose weight with distance from the current card (Gaussian, in steps). */
        locality_steps: positive.default(3),
        /**
         * The model's curvature prior: a parameter's response may bend by 5 % over this many steps
         * (one prior sd). Fewer steps: a looser prior, so diminishing returns measured by past
         * canaries and the replay bend the next step's prediction sooner.
         */
        curvature_steps: positive.default(2),
        /**
         * The model's interaction prior: two parameters moved together may do 5 % more (or less)
         * than the two moves alone over this many steps of each (one prior sd). Fewer steps: the
         * replay's pairs show a ridge across two parameters sooner.
         */
        interaction_steps: positive.default(1),
        /**
         * The model's misfit floor: how far (relative sd) a measured move may sit from the quadratic
         * model, added to every measurement and every prediction. Lower: a small move the replay
         * and past canaries agree on is forecast to pass more often (docs/decision-quality.md).
         */
        misfit_sd: z.number().positive().max(0.2).default(0.003),
        /**
         * With max_changes_per_cycle > 1, which joint moves are candidates: every combination
         * ('all'), or only those whose parts pull a guardrail opposite ways ('compensating': a move
         * along a ridge, docs/decision-quality.md).
         */
        joint_candidates: z.enum(['all', 'compensating']).default('compensating'),
        /**
         * The rule table (1.3): the cold-start proposer's corrections and the model's prior. Absent:
         * DEFAULT_RULES (src/config/rules.ts). Each rule must name a declared parameter and KPI.
         */
        rules: ProposalRulesSchema.optional(),
        /**
         * Offline replay of candidate cards on the slot log (`stores.slot_log`; issue 12): a second,
         * biased source of evidence beside past canaries. Used only when the slot log is configured.
         */
        replay: z
          .strictObject({
            /** The log window replayed, ending at the cycle's start. */
            window_hours: positive.default(24),
            /** At most this many logged slots (thinned evenly over the window). */
            max_slots: z.number().int().min(10).default(300),
            /**
             * Bias allowance of the KPIs re-run exactly (selection_entropy, novelty): sd of the
             * replay's slope error, relative effect per step of a parameter, shared by every
             * replayed move of that parameter.
             */
            exact_bias_sd: z.number().min(0).default(0.01),
            /** The same for the viewer KPI (engagement_proxy), by the slate model or importance weighting. */
            ips_bias_sd: z.number().min(0).default(0.005),
            /**
             * The viewer KPI's slope bias also grows with the parameter's replayed one-step effect:
             * this share of it, per step, in quadrature with ips_bias_sd (0: absolute only).
             */
            ips_bias_relative: z.number().min(0).max(2).default(0),
            /**
             * The slate model's error as this share of what it attributes to each slate feature
             * that moves (on-air quality, variety), in addition to the per-step allowance (0: off).
             */
            ips_bias_feature: z.number().min(0).max(2).default(0.25),
            /** The viewer KPI is left out when the weights' effective sample size is below this share of the logged plans. */
            min_ess_share: fraction.default(0.1),
            /** Also replay moves of two parameters at once (one step each). */
            joint_moves: z.boolean().default(true),
          })
          .prefault({}),
      })
      .prefault({}),
    sliding_bounds: z
      .strictObject({
        stability_days: z.number().int().min(1).default(7),
        max_weekly_expansion: z.number().min(0).max(0.05, 'expected at most 0.05 (5% a week, requirement 2.2)').default(0.05),
        rollback_threshold: z.number().int().min(1).default(3),
        contraction_factor: fraction.default(0.25),
        min_width_fraction: fraction.default(0.1),
        /** 2.3: after a rollback, the same direction of the same parameter waits base · 2^(k−1) hours (k-th rollback in a row). */
        backoff_base_hours: positive.default(24),
        /** Ceiling of that wait. */
        backoff_max_days: positive.default(7),
      })
      .prefault({}),
    drift_monitoring: z
      .strictObject({
        window_days: z.number().int().min(1).default(14),
        error_p50_target: fraction.default(0.2),
        error_threshold: fraction.default(0.3),
        consecutive_days: z.number().int().min(1).default(3),
        rollback_rate_target: fraction.default(0.05),
        rollback_rate_pause_threshold: fraction.default(0.1),
        pause_hours: positive.default(48),
        max_pause_days: positive.default(7),
        /** 4.4: the rollback-rate pause looks at this many days. */
        rate_window_days: z.number().int().min(1).default(7),
        /** The pause rule needs at least this many deployments in its window. */
        rollback_rate_min_deployments: z.number().int().min(1).default(1),
        /** 4.5: this many failed cycles in a row pause with exponential backoff. */
        failure_threshold: z.number().int().min(1).default(3),
        /** First backoff pause; defaults to pause_hours. Level n pauses base × 2^n, capped at max_pause_days. */
        backoff_base_hours: positive.optional(),
        /** 4.2: step scale in drift mode (only corrections ship). */
        drift_step_scale: z.number().gt(0).max(1).default(0.5),
        /** Step scales over successive successful cycles after a safety pause (gradual recovery). */
        recovery_step_scales: z.array(z.number().gt(0).max(1)).default([0.25, 0.5, 1]),
        /** 9.5: bounds overrides expire after this long unless the operator says otherwise. */
        override_default_hours: positive.default(24),
        /** Multiplies every governor duration (day length, pauses, overrides): 1 in production, tiny in demos and tests. */
        time_scale: positive.default(1),
      })
      .prefault({}),
    /** 8.5: where alerts go besides the log. */
    alerts: z
      .strictObject({
        /** The same alert name (per channel) within this window is suppressed and counted. */
        dedup_window_minutes: z.number().min(0).default(10),
        /** Slack-style JSON webhook ({"text": …}). */
        webhook_url: z.url().optional(),
        /** Alertmanager base URL; alerts go to POST <url>/api/v2/alerts. */
        alertmanager_url: z.url().optional(),
        /** Alerts below this severity stay in the log. */
        min_severity: z.enum(['info', 'warning', 'critical']).default('info'),
        timeout_ms: positive.default(5000),
        /** endsAt = startsAt + this, so Alertmanager resolves one-shot alerts on its own. */
        alertmanager_ttl_minutes: positive.default(60),
      })
      .prefault({}),
    incident_triage: z
      .strictObject({
        schedule: z
          .strictObject({ day_of_week: DayOfWeek.default('SUNDAY'), hour: hour.default(2), minute: minute.default(0) })
          .prefault({}),
        window_days: z.number().int().min(1).default(7),
        pattern_threshold: z.number().int().min(1).default(3),
        /** 7.4: issues for patterns that need a human. Disabled unless enabled and the token env var is set. */
        github: z
          .strictObject({
            enabled: z.boolean().default(false),
            repo: z
              .string()
              .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/name')
              .default('owner/name'),
            api_url: z.url().default('https://api.github.com'),
            /** Name of the environment variable holding the token (the token never goes in this file). */
            token_env: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
              .default('GITHUB_TOKEN'),
            /** Put on every triage issue; dedup looks only at open issues carrying all of them. */
            labels: z.array(z.string().min(1)).min(1).default(['vvtv-autopilot', 'triage']),
          })
          .prefault({}),
      })
      .prefault({}),
    parameters: z.array(ParameterSpecSchema).min(1),
    /**
     * The KPIs a cycle judges by. Absent: the card's `kpis.primary` and `kpis.secondary` (as
     * guardrails), read every cycle; src/domain/cycle/card-terms.ts says how their goals are chosen.
     */
    kpis: z
      .array(KpiSpecSchema)
      .min(1)
      .refine((k) => k.some((x) => x.role === 'primary'), 'expected at least one primary KPI')
      .optional(),
    /** VVTV's planner settings the card depends on. */
    planner: z
      .strictObject({
        /** PlannerConfig.selection_batch_size: how many plans a slot picks when the card has no selection.top_k. */
        selection_batch_size: z.number().int().min(1).default(VVTV_SELECTION_BATCH_SIZE),
      })
      .prefault({}),
    stores: z
      .strictObject({
        /**
         * VVTV's metrics database, read-only (relative paths resolve against data_dir). `{channel}`
         * is replaced by the channel id: one database per channel, as one VVTV instance per channel
         * writes it. Without `{channel}`, one database serves every channel, told apart by
         * `metrics_channel_key`.
         */
        metrics_db: storePathField('metrics/{channel}/metrics.sqlite'),
        /**
         * The context key naming the channel of a row, when several channels share one database
         * (VVTV itself writes none: its rows' context is the planner's or curator's own).
         */
        metrics_channel_key: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a JSON object key (letters, digits, _)')
          .optional(),
        state_db: storePathField('state.sqlite'),
        /** `{channel}` is replaced by the channel id. */
        card_path: storePathField('cards/{channel}/business_logic.yaml'),
        history_dir: storePathField('history'),
        /** 5.4: versions older than this are archived (compressed, never dropped) after each cycle. */
        history_retention_days: z.number().int().min(90, 'expected at least 90 (requirement 5.4)').default(90),
        /**
         * The slot log (JSONL, one record per logged slot; docs/vvtv-integration.md "The slot log"):
         * written by a planner that meets the extended overlay contract (the simulator does when
         * this is set), read-only here. `{channel}` is replaced by the channel id. Absent: no offline
         * replay. Never VVTV's metrics database.
         */
        slot_log: optionalStorePathField(),
        /** Run after every card or overlay write (10.4); `{card}` and `{channel}` are substituted. */
        reload_command: z.string().optional(),
      })
      .prefault({}),
    temporal: z
      .strictObject({
        address: z.string().default('localhost:7233'),
        namespace: z.string().default('default'),
        task_queue: z.string().default('vvtv-autopilot'),
        ui_url: z.string().default('http://localhost:8233'),
        /**
         * TLS to the frontend (a secured self-hosted cluster, Temporal Cloud): files in PEM. Any
         * field set (or `enabled: true`) turns TLS on; an API key turns it on too.
         */
        tls: z
          .strictObject({
            enabled: z.boolean().optional(),
            ca_file: z.string().min(1).optional(),
            cert_file: z.string().min(1).optional(),
            key_file: z.string().min(1).optional(),
            server_name: z.string().min(1).optional(),
          })
          .optional(),
        /** The name of the environment variable holding the API key (the key itself is never in a file or a log). */
        api_key_env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
          .default('TEMPORAL_API_KEY'),
      })
      .prefault({}),
    simulator: z
      .strictObject({
        enabled: z.boolean().default(true),
        seed: z.number().int().default(42),
        catalog_size: z.number().int().min(10).default(400),
        candidates_per_slot: z.number().int().min(1).default(60),
        /** Simulated planning slots per real second. */
        slots_per_second: positive.default(5),
        noise: z.number().min(0).default(0.05),
        /** A region of a parameter where viewers suffer (engagement drops, curator works harder). */
        harmful_region: z
          .strictObject({
            parameter: z.string(),
            above: z.number().optional(),
            below: z.number().optional(),
            severity: positive.default(0.3),
          })
          .optional(),
      })
      .prefault({}),
    metrics_port: z.number().int().min(0).max(65535).default(9464),
    /** The golden set gate run before every canary (6.x). */
    golden: z
      .strictObject({
        /**
         * A golden set YAML file or a directory of them; relative paths resolve against the working directory.
         * Default: the shipped config/golden.
         */
        path: z.string().min(1).optional(),
        /** 6.4: hard limit for one run of the whole set. */
        timeout_minutes: positive.default(5),
        /** Worker threads; default min(2, CPUs). */
        pool_size: z.number().int().min(1).max(64).optional(),
        /** Cache results by (set hash, parameters hash, engine version) under <data_dir>/golden-cache. */
        cache: z.boolean().default(true),
        /** sha256 (hex) of the operator token that authorises a bypass; without it no bypass is possible. */
        bypass_token_sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
          .optional(),
        /** Runs the cases on this command instead of the reference selection (JSON on stdin, JSON on stdout). */
        external_engine: z
          .strictObject({
            command: z.string().min(1),
            /** Engine version for the cache key; without it external results are never cached. */
            version: z.string().min(1).optional(),
            /** Cases per invocation. */
            batch_size: z.number().int().min(1).default(500),
          })
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.canary.mode === 'switchback') {
      // As planSwitchback cuts it: a plan with fewer candidate blocks than the judge needs never decides.
      const s = c.canary.switchback;
      const blocks = Math.max(2, Math.round(c.canary.duration_minutes / s.block_minutes));
      const canaryBlocks = Math.max(1, Math.floor(blocks / Math.max(2, Math.round(1 / s.share))));
      if (canaryBlocks < s.min_blocks_per_arm) {
        const message =
          `expected a plan with at least min_blocks_per_arm (${s.min_blocks_per_arm}) candidate blocks: ` +
          `${blocks} blocks of ${s.block_minutes} min at share ${s.share} give ${canaryBlocks}` +
          ' (shorter blocks, a larger share or a longer canary.duration_minutes)';
        ctx.addIssue({ code: 'custom', path: ['canary', 'switchback', 'block_minutes'], message });
      }
    }
    if (c.channels.length > 1 && !c.stores.metrics_db.includes('{channel}') && !c.stores.metrics_channel_key) {
      const message =
        `several channels share ${c.stores.metrics_db}: put {channel} in the path (one database per channel)` +
        ' or set stores.metrics_channel_key';
      ctx.addIssue({ code: 'custom', path: ['stores', 'metrics_db'], message });
    }
    // A rule written in the config must name what the config declares (the default table may name
    // parameters a config leaves out: such rules never fire).
    const params = c.parameters.map((p) => p.name);
    // Without config KPIs the card names them at run time: a rule naming another KPI never fires.
    const kpis = c.kpis?.map((k) => k.name);
    c.optimizer.rules?.forEach((r, i) => {
      const path = ['optimizer', 'rules', i];
      if (!params.includes(r.parameter)) {
        const message = `expected one of the parameters (${params.join(', ')}), got ${r.parameter}`;
        ctx.addIssue({ code: 'custom', path: [...path, 'parameter'], message });
      }
      if (kpis && !kpis.includes(r.kpi)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'kpi'], message: `expected one of the kpis (${kpis.join(', ')}), got ${r.kpi}` });
      }
    });
  });

export type AutopilotConfig = z.infer<typeof AutopilotConfigSchema>;
export type KpiSpec = z.infer<typeof KpiSpecSchema>;

/** The optimizer's options as the config sets them (src/domain/optimizer OptimizerOptions, without maxChanges). */
export function optimizerOptionsOf(o: AutopilotConfig['optimizer']) {
  return {
    explore: o.explore,
    minProceedProbability: o.min_proceed_probability,
    minGain: o.min_gain,
    minSafeProbability: o.min_safe_probability,
    rollbackCost: o.rollback_cost,
    explorationCooldownDays: o.exploration_cooldown_days,
    trustRadiusSteps: o.trust_radius_steps,
    forecastVarianceReduction: o.forecast_variance_reduction,
    bandPurposes: o.band_purposes,
    halfLifeDays: o.half_life_days,
    localitySteps: o.locality_steps,
    curvatureSteps: o.curvature_steps,
    interactionSteps: o.interaction_steps,
    misfitSd: o.misfit_sd,
    jointMoves: o.joint_candidates,
    rules: o.rules ?? DEFAULT_RULES,
  };
}

/** The replay settings in the domain's terms (src/domain/replay/evidence.ts). */
export function replaySettingsOf(o: AutopilotConfig['optimizer']) {
  const r = o.replay;
  return {
    windowHours: r.window_hours,
    maxSlots: r.max_slots,
    exactBiasSd: r.exact_bias_sd,
    ipsBiasSd: r.ips_bias_sd,
    ipsBiasRelative: r.ips_bias_relative,
    ipsBiasFeature: r.ips_bias_feature,
    minEssShare: r.min_ess_share,
    jointMoves: r.joint_moves,
  };
}
