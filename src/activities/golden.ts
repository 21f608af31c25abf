import { createHash, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import type { SelectionParams } from '../config/card';
import { ValidationError, parseOrThrow } from '../config/errors';
import { storePath } from '../config/load';
import type { AutopilotConfig } from '../config/schema';
import { GoldenCache, defaultGoldenPath, loadGoldenSets, runGolden, type FailureAnalysis, type GoldenRunResult } from '../golden';
import { SelectionParamsSchema } from '../golden/model';
import type { GoldenGateResult as DomainGoldenGateResult } from '../domain/records';
import { guard, type Deps } from './deps';
import { takeBypassToken } from '../adapters/bypass-box';

export interface GoldenBypass {
  /**
   * The operator's token; only its sha256 is compared, it is never stored or logged. Workflows
   * leave it out: the activity then takes it from the bypass drop box (adapters/bypass-box), so the
   * token never enters workflow history.
   */
  token?: string;
  reason: string;
  by: string;
}

export interface RunGoldenSetInput {
  channel: string;
  cycleId: string;
  /** The proposed selection parameters (the candidate card's). */
  params: SelectionParams;
  bypass?: GoldenBypass;
}

/** The gate's result (the domain's type, with the runner's full failure analysis). */
export type GoldenGateResult = Omit<DomainGoldenGateResult, 'failures'> & { failures: FailureAnalysis[] };

export interface GoldenActivityOptions {
  /** Overrides golden.timeout_minutes (tests). */
  timeoutMs?: number;
  /** Heartbeat at least this often while running, even without progress (default 1 s; the SDK throttles). */
  heartbeatIntervalMs?: number;
}

const MAX_FAILURES = 20;
const MAX_STORED_FAILURES = 200;

/** sha256 of the token, compared in constant time with the configured hash. */
export function bypassTokenMatches(token: unknown, configuredSha256: string | undefined): boolean {
  if (!configuredSha256 || typeof token !== 'string' || token.length === 0) return false;
  const given = createHash('sha256').update(token, 'utf8').digest();
  const want = Buffer.from(configuredSha256, 'hex');
  return want.length === given.length && timingSafeEqual(given, want);
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called outside an activity (CLI, bench)
  }
}

export function createGoldenActivities(deps: Deps, opts: GoldenActivityOptions = {}) {
  const now = () => (deps.now ? deps.now() : new Date());

  const checkBypass = (cfg: AutopilotConfig, input: RunGoldenSetInput, b: GoldenBypass): void => {
    const problems: string[] = [];
    if (!cfg.golden.bypass_token_sha256)
      problems.push('bypass.token: golden.bypass_token_sha256 is not configured, so no bypass is possible');
    else if (!bypassTokenMatches(b.token, cfg.golden.bypass_token_sha256))
      problems.push('bypass.token: missing or not the authorised operator token');
    if (typeof b.reason !== 'string' || b.reason.trim().length < 3) problems.push('bypass.reason: a reason is required');
    if (typeof b.by !== 'string' || b.by.trim().length === 0) problems.push('bypass.by: the operator must be named');
    if (problems.length === 0) return;
    // Audit the refused attempt too; the token itself never leaves this function.
    deps.auditLog.record({
      channel: input.channel,
      cycle_id: input.cycleId,
      at: now().toISOString(),
      kind: 'golden_bypass_refused',
      summary: `golden set bypass refused (${problems.length} problem(s))`,
      payload: { by: typeof b.by === 'string' ? b.by : null, reason: typeof b.reason === 'string' ? b.reason : null, problems },
    });
    throw new ValidationError('golden set bypass', problems);
  };

  return {
    /**
     * The golden gate before every canary (6.1): runs the golden set under the proposed
     * parameters, heartbeating while it runs, and stores the failure analysis as a decision
     * (6.3). A timeout (6.4) or an engine failure is a failed gate, never a pass. An authorised
     * bypass skips the run; it is audited and alerted.
     */
    async runGoldenSet(input: RunGoldenSetInput): Promise<GoldenGateResult> {
      return guard(async () => {
        const cfg = deps.config();
        if (!cfg.channels.includes(input.channel)) {
          throw new ValidationError('runGoldenSet input', [`channel: expected one of ${cfg.channels.join(', ')}, got ${input.channel}`]);
        }
        const params = parseOrThrow(SelectionParamsSchema, input.params, 'runGoldenSet input', 'params') as SelectionParams;
        const log = deps.logger.child({ channel: input.channel, cycleId: input.cycleId });

        if (input.bypass !== undefined && input.bypass !== null) {
          const { by, reason } = input.bypass;
          const bypass = { ...input.bypass, token: input.bypass.token ?? takeBypassToken(cfg, input.cycleId) };
          try {
            checkBypass(cfg, input, bypass);
          } catch (err) {
            await deps.alerts.raise({
              severity: 'warning',
              channel: input.channel,
              name: 'golden_bypass_refused',
              cycleId: input.cycleId,
              summary: 'a golden set bypass was refused',
              details: { by },
            });
            throw err;
          }
          const decisionId = deps.auditLog.record({
            channel: input.channel,
            cycle_id: input.cycleId,
            at: now().toISOString(),
            kind: 'golden_bypass',
            summary: `golden set BYPASSED by ${by}: ${reason}`,
            payload: { by, reason, params },
          });
          await deps.alerts.raise({
            severity: 'critical',
            channel: input.channel,
            name: 'golden_bypassed',
            cycleId: input.cycleId,
            summary: `golden set bypassed by ${by} for cycle ${input.cycleId}: ${reason}`,
            details: { by, reason, cycleId: input.cycleId },
          });
          log.warn({ by, reason }, 'golden set bypassed');
          return {
            passed: true,
            bypassed: true,
            status: 'bypassed',
            total: 0,
            failed: 0,
            failures: [],
            cacheHit: false,
            durationMs: 0,
            decisionId,
          };
        }

        const path = cfg.golden.path ? resolve(cfg.golden.path) : defaultGoldenPath();
        const sets = loadGoldenSets(path);
        const ext = cfg.golden.external_engine;
        const ctx = activityContext();
        let progress = { done: 0, total: 0 };
        const beat = setInterval(() => ctx?.heartbeat(progress), opts.heartbeatIntervalMs ?? 1_000);
        let result: GoldenRunResult;
        try {
          ctx?.heartbeat(progress);
          result = await runGolden(sets, params, {
            engine: ext
              ? { kind: 'external', command: ext.command, version: ext.version, batchSize: ext.batch_size }
              : { kind: 'reference' },
            timeoutMs: opts.timeoutMs ?? cfg.golden.timeout_minutes * 60_000,
            poolSize: cfg.golden.pool_size,
            signal: ctx?.cancellationSignal,
            cache: cfg.golden.cache ? new GoldenCache<GoldenRunResult>(storePath(cfg, 'golden-cache')) : null,
            onProgress: (p) => {
              progress = p;
              ctx?.heartbeat(p);
            },
          });
        } finally {
          clearInterval(beat);
        }

        const summary =
          result.status === 'passed'
            ? `golden set passed: ${result.total} cases${result.cacheHit ? ' (cached)' : ''}`
            : result.status === 'timed_out'
              ? `golden set TIMED OUT after ${result.durationMs} ms`
              : `golden set FAILED: ${result.failed} of ${result.total} cases ` +
                `(${result.failures[0]?.case}: ${result.failures[0]?.message})`;
        const decisionId = deps.auditLog.record({
          channel: input.channel,
          cycle_id: input.cycleId,
          at: now().toISOString(),
          kind: 'golden',
          summary,
          payload: {
            status: result.status,
            passed: result.passed,
            total: result.total,
            failed: result.failed,
            failures: result.failures.slice(0, MAX_STORED_FAILURES),
            failuresOmitted: Math.max(0, result.failures.length - MAX_STORED_FAILURES),
            summary: result.summary,
            params,
            setPath: path,
            setHash: result.setHash,
            paramsHash: result.paramsHash,
            engine: result.engine,
            cacheHit: result.cacheHit,
            durationMs: result.durationMs,
          },
        });
        if (result.passed) log.info({ total: result.total, cacheHit: result.cacheHit, durationMs: result.durationMs }, summary);
        else log.warn({ status: result.status, failed: result.failed, first: result.failures[0] }, summary);
        return {
          passed: result.passed,
          bypassed: false,
          status: result.status,
          total: result.total,
          failed: result.failed,
          failures: result.failures.slice(0, MAX_FAILURES),
          cacheHit: result.cacheHit,
          durationMs: result.durationMs,
          setHash: result.setHash,
          engine: result.engine,
          decisionId,
        };
      });
    },
  };
}
