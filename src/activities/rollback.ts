import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { cardSha256, parseCard } from '../adapters/card-store';
import { HistoryIntegrityError, sha256Hex, type VersionMeta } from '../adapters/history';
import { getPath } from '../config/card';
import { ValidationError } from '../config/errors';
import { completeBounds, validateChange } from '../domain/bounds';
import type { OverrideRange } from '../domain/parameters';
import type { BoundsDecision, BoundsRule, ParameterChange } from '../domain/types';
import { guard, type Deps } from './deps';

export interface RollbackInput {
  channel: string;
  /** The history version to restore. */
  versionId: string;
  /** Operator (or workflow) that asked for it: audited. */
  by: string;
  reason: string;
  /** Operator overrides of the sliding bounds (from the governor); expired ones are ignored. */
  overrides?: OverrideRange[];
}

export interface RollbackTimings {
  loadMs: number;
  validateMs: number;
  backupMs: number;
  writeMs: number;
  verifyMs: number;
  recordMs: number;
  totalMs: number;
}

export interface RollbackResult {
  channel: string;
  /** The version whose card is live again. */
  restoredFrom: string;
  /** The new history version recording the restored card (source `rollback`, status `active`). */
  versionId: string;
  /** The card that was live before, stored first (source `backup`). */
  backupVersionId: string;
  sha256: string;
  changes: ParameterChange[];
  bounds: BoundsDecision[];
  timings: RollbackTimings;
}

/**
 * Rules that refuse a rollback. The daily-delta rule (2.5) limits what the AUTOPILOT may change
 * in a day; an operator rollback is the escape hatch from a bad change, so it does not apply
 * (nor `no_change`). The hard limits (2.4) and the current sliding bounds (5.5) do.
 */
const REFUSING_RULES: ReadonlySet<BoundsRule> = new Set(['hard_limit', 'sliding_bounds', 'integer', 'non_finite']);

export function createRollbackActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /**
     * Restores a card version atomically (5.3, 5.5): load and validate it, check every tuned
     * value against the CURRENT sliding bounds, back up the live card as a version, replace it,
     * read it back and verify the hash. On a mismatch the backup is restored and a critical
     * alert raised. Refusals change nothing and name every reason.
     */
    async rollbackToVersion(input: RollbackInput): Promise<RollbackResult> {
      return guard(async () => {
        const t0 = performance.now();
        const mark = (() => {
          let last = t0;
          return () => {
            const t = performance.now();
            const d = Math.round((t - last) * 100) / 100;
            last = t;
            return d;
          };
        })();
        const cfg = deps.config();
        const inputProblems: string[] = [];
        if (!cfg.channels.includes(input.channel))
          inputProblems.push(`channel: expected one of ${cfg.channels.join(', ')}, got ${input.channel}`);
        if (typeof input.versionId !== 'string' || !input.versionId) inputProblems.push('versionId: required');
        if (typeof input.by !== 'string' || !input.by.trim()) inputProblems.push('by: the operator must be named');
        if (typeof input.reason !== 'string' || !input.reason.trim()) inputProblems.push('reason: required');
        if (inputProblems.length) throw new ValidationError('rollbackToVersion input', inputProblems);
        const at = now();
        const refuse = (problems: string[], extra: Record<string, unknown> = {}): never => {
          deps.auditLog.record({
            channel: input.channel,
            at: at.toISOString(),
            kind: 'rollback_refused',
            summary: `rollback to ${input.versionId} refused: ${problems[0]}`,
            payload: { versionId: input.versionId, by: input.by, reason: input.reason, problems, ...extra },
          });
          throw new ValidationError(`rollback to ${input.versionId}`, problems);
        };

        // 1. Load the version (the history store checks its hashes) and validate the card.
        let target: { meta: VersionMeta; yaml: string } | null;
        try {
          target = deps.history.getVersion(input.channel, input.versionId);
        } catch (err) {
          if (err instanceof HistoryIntegrityError) return refuse([`history integrity: ${err.message}`], { file: err.file });
          throw err;
        }
        if (!target) return refuse([`versionId: no version ${input.versionId} in channel ${input.channel}`]);
        let card;
        try {
          card = parseCard(target.yaml, `history ${input.versionId}`).card;
        } catch (err) {
          return refuse(err instanceof ValidationError ? err.problems : [String(err)]);
        }
        const store = deps.cards(input.channel);
        const current = store.load();
        const loadMs = mark();

        // 2. Every tuned value against the current sliding bounds and the hard limits.
        const bounds = completeBounds(cfg.parameters, deps.boundsStore.get(input.channel), at.toISOString());
        const decisions: BoundsDecision[] = [];
        const changes: ParameterChange[] = [];
        const problems: string[] = [];
        for (const p of cfg.parameters) {
          const newValue = getPath(card, p.card_path);
          const oldValue = getPath(current.card, p.card_path);
          if (typeof newValue !== 'number') {
            problems.push(`${p.card_path}: the version has no number for parameter ${p.name}`);
            continue;
          }
          const change = { parameter: p.name, oldValue: typeof oldValue === 'number' ? oldValue : newValue, newValue };
          const b = bounds.find((x) => x.parameter === p.name);
          const d = validateChange(change, p, b, { overrides: input.overrides, now: at.toISOString() });
          const refusing = d.rejections.filter((r) => REFUSING_RULES.has(r.rule));
          decisions.push({ ...d, approved: refusing.length === 0, rejections: refusing });
          for (const r of refusing) problems.push(r.message);
          if (typeof oldValue === 'number' && oldValue !== newValue) {
            changes.push({
              parameter: p.name,
              cardPath: p.card_path,
              oldValue,
              newValue,
              changeType: 'Rollback',
              rule: 'operator_rollback',
              rationale: `${input.by}: ${input.reason}`,
              expectedImpact: {},
              confidence: 1,
            });
          }
        }
        if (problems.length) refuse(problems, { bounds: decisions });
        const validateMs = mark();

        // 3. Back up the live card as a version first.
        const previousActive = deps.history.latest(input.channel, { status: ['active', 'promoted'] });
        const backup = deps.history.storeVersion(input.channel, current.yaml, {
          parent: previousActive?.version_id ?? null,
          source: 'backup',
          changes: [],
          rationale: `backup of the live card before rollback to ${input.versionId} (${input.by}: ${input.reason})`,
          deployment: { status: 'superseded', updated_at: at.toISOString(), note: `live until rollback to ${input.versionId}` },
        });
        const backupMs = mark();

        // 4. Replace atomically (CardStore validates, renames, runs the reload hook).
        const failed = async (name: string, summary: string, details: Record<string, unknown>): Promise<never> => {
          await deps.alerts.raise({ severity: 'critical', channel: input.channel, name, summary, details });
          deps.auditLog.record({
            channel: input.channel,
            at: at.toISOString(),
            kind: 'rollback_failed',
            summary,
            payload: { versionId: input.versionId, backupVersionId: backup.version_id, ...details },
          });
          throw ApplicationFailure.create({ type: 'RollbackFailed', message: summary, nonRetryable: true, details: [details] });
        };
        try {
          await store.write(target.yaml);
        } catch (err) {
          // CardStore put the previous bytes back itself.
          return failed('rollback_write_failed', `rollback to ${input.versionId} could not be written: ${(err as Error).message}`, {
            error: (err as Error).message,
          });
        }
        const writeMs = mark();

        // 5. Read back and verify the exact bytes and the card hash; restore the backup on a mismatch.
        const wantBytes = sha256Hex(Buffer.from(target.yaml, 'utf8'));
        const check = (wantBytesSha: string, wantCardSha: string): string | null => {
          const bytes = readFileSync(store.path);
          const gotBytes = sha256Hex(bytes);
          if (gotBytes !== wantBytesSha) return `file sha256 ${gotBytes}, expected ${wantBytesSha}`;
          const gotCard = cardSha256(parseCard(bytes.toString('utf8'), store.path).card);
          return gotCard === wantCardSha ? null : `card sha256 ${gotCard}, expected ${wantCardSha}`;
        };
        const mismatch = safeCheck(() => check(wantBytes, target!.meta.sha256));
        if (mismatch) {
          let restore: string | null;
          try {
            await store.write(current.yaml);
            restore = safeCheck(() => check(sha256Hex(Buffer.from(current.yaml, 'utf8')), current.sha256));
          } catch (err) {
            restore = `restore failed: ${(err as Error).message}`;
          }
          const restoreOutcome = restore ? `restoring the backup ALSO failed: ${restore}` : 'the backup was restored';
          return failed('rollback_verify_failed', `rollback to ${input.versionId} did not verify (${mismatch}); ${restoreOutcome}`, {
            mismatch,
            restoreProblem: restore,
          });
        }
        const verifyMs = mark();

        // 6. Record the restored card as the active version.
        const restored = deps.history.storeVersion(input.channel, target.yaml, {
          parent: backup.version_id,
          source: 'rollback',
          changes,
          rationale: `rollback to ${input.versionId} by ${input.by}: ${input.reason}`,
          deployment: { status: 'active', updated_at: now().toISOString(), note: `restored from ${input.versionId}` },
        });
        if (previousActive) {
          deps.history.updateDeployment(input.channel, previousActive.version_id, {
            ...previousActive.deployment,
            status: 'superseded',
            updated_at: now().toISOString(),
          });
        }
        const recordMs = mark();
        const timings: RollbackTimings = {
          loadMs,
          validateMs,
          backupMs,
          writeMs,
          verifyMs,
          recordMs,
          totalMs: Math.round((performance.now() - t0) * 100) / 100,
        };
        deps.auditLog.record({
          channel: input.channel,
          at: now().toISOString(),
          kind: 'rollback',
          summary: `card rolled back to ${input.versionId} by ${input.by}: ${input.reason}`,
          payload: {
            restoredFrom: input.versionId,
            versionId: restored.version_id,
            backupVersionId: backup.version_id,
            changes,
            bounds: decisions,
            timings,
          },
        });
        await deps.alerts.raise({
          severity: 'warning',
          channel: input.channel,
          name: 'card_rolled_back',
          summary: `card rolled back to ${input.versionId} by ${input.by}: ${input.reason}`,
          details: { versionId: restored.version_id, changes: changes.map((c) => `${c.parameter} ${c.oldValue} → ${c.newValue}`) },
        });
        deps.logger.info(
          { channel: input.channel, restoredFrom: input.versionId, versionId: restored.version_id, timings },
          'card rolled back',
        );
        return {
          channel: input.channel,
          restoredFrom: input.versionId,
          versionId: restored.version_id,
          backupVersionId: backup.version_id,
          sha256: restored.sha256,
          changes,
          bounds: decisions,
          timings,
        };
      });
    },
  };
}

function safeCheck(fn: () => string | null): string | null {
  try {
    return fn();
  } catch (err) {
    return `read-back failed: ${(err as Error).message}`;
  }
}
