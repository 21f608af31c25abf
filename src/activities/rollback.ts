import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { cardSha256, parseCard } from '../adapters/card-store';
import { HistoryIntegrityError, sha256Hex, type VersionMeta } from '../adapters/history';
import { getPath } from '../config/card';
import { ValidationError } from '../config/errors';
import { completeBounds, validateChange } from '../domain/bounds';
import type { OverrideRange } from '../domain/parameters';
import type { BoundsDecision, BoundsRule, ParameterChange } from '../domain/types';
import type { CardStore, LoadedCard } from '../adapters/card-store';
import type { Card } from '../config/card';
import type { AutopilotConfig } from '../config/schema';
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

/** One rollback in progress: its input, its time, the stores, and a refusal that is audited. */
interface Rollback {
  deps: Deps;
  input: RollbackInput;
  at: Date;
  now: () => Date;
  store: CardStore;
}

/** A stopwatch of the steps: each call returns the ms since the previous one. */
function stopwatch(): { lap: () => number; total: () => number } {
  const t0 = performance.now();
  let last = t0;
  const ms = (a: number, b: number) => Math.round((b - a) * 100) / 100;
  return {
    lap: () => {
      const t = performance.now();
      const d = ms(last, t);
      last = t;
      return d;
    },
    total: () => ms(t0, performance.now()),
  };
}

function checkInput(cfg: AutopilotConfig, input: RollbackInput): void {
  const problems: string[] = [];
  if (!cfg.channels.includes(input.channel)) problems.push(`channel: expected one of ${cfg.channels.join(', ')}, got ${input.channel}`);
  if (typeof input.versionId !== 'string' || !input.versionId) problems.push('versionId: required');
  if (typeof input.by !== 'string' || !input.by.trim()) problems.push('by: the operator must be named');
  if (typeof input.reason !== 'string' || !input.reason.trim()) problems.push('reason: required');
  if (problems.length) throw new ValidationError('rollbackToVersion input', problems);
}

/** Refuses the rollback: audited with every reason, nothing changed. */
function refuse(r: Rollback, problems: string[], extra: Record<string, unknown> = {}): never {
  const { input } = r;
  r.deps.auditLog.record({
    channel: input.channel,
    at: r.at.toISOString(),
    kind: 'rollback_refused',
    summary: `rollback to ${input.versionId} refused: ${problems[0]}`,
    payload: { versionId: input.versionId, by: input.by, reason: input.reason, problems, ...extra },
  });
  throw new ValidationError(`rollback to ${input.versionId}`, problems);
}

/** Step 1: the version (its hashes checked by the history store) and its card, validated. */
function loadTarget(r: Rollback): { target: { meta: VersionMeta; yaml: string }; card: Card } {
  const { input } = r;
  let target: { meta: VersionMeta; yaml: string } | null;
  try {
    target = r.deps.history.getVersion(input.channel, input.versionId);
  } catch (err) {
    if (err instanceof HistoryIntegrityError) return refuse(r, [`history integrity: ${err.message}`], { file: err.file });
    throw err;
  }
  if (!target) return refuse(r, [`versionId: no version ${input.versionId} in channel ${input.channel}`]);
  try {
    return { target, card: parseCard(target.yaml, `history ${input.versionId}`).card };
  } catch (err) {
    return refuse(r, err instanceof ValidationError ? err.problems : [String(err)]);
  }
}

/** Step 2: every tuned value against the current sliding bounds and the hard limits (2.4, 5.5). */
function checkValues(
  r: Rollback,
  cfg: AutopilotConfig,
  card: Card,
  current: LoadedCard,
): { decisions: BoundsDecision[]; changes: ParameterChange[] } {
  const { input, at } = r;
  const bounds = completeBounds(cfg.parameters, r.deps.boundsStore.get(input.channel), at.toISOString());
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
    const refusing = d.rejections.filter((x) => REFUSING_RULES.has(x.rule));
    decisions.push({ ...d, approved: refusing.length === 0, rejections: refusing });
    for (const x of refusing) problems.push(x.message);
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
  if (problems.length) refuse(r, problems, { bounds: decisions });
  return { decisions, changes };
}

/** A failed write or verification: critical alert, audit record, non-retryable failure. */
async function failed(
  r: Rollback,
  backupVersionId: string,
  name: string,
  summary: string,
  details: Record<string, unknown>,
): Promise<never> {
  const { input } = r;
  await r.deps.alerts.raise({ severity: 'critical', channel: input.channel, name, summary, details });
  r.deps.auditLog.record({
    channel: input.channel,
    at: r.at.toISOString(),
    kind: 'rollback_failed',
    summary,
    payload: { versionId: input.versionId, backupVersionId, ...details },
  });
  throw ApplicationFailure.create({ type: 'RollbackFailed', message: summary, nonRetryable: true, details: [details] });
}

/** Reads the live file back: null when its bytes and its card hash are the expected ones, else what differs. */
function verify(store: CardStore, wantBytesSha: string, wantCardSha: string): string | null {
  try {
    const bytes = readFileSync(store.path);
    const gotBytes = sha256Hex(bytes);
    if (gotBytes !== wantBytesSha) return `file sha256 ${gotBytes}, expected ${wantBytesSha}`;
    const gotCard = cardSha256(parseCard(bytes.toString('utf8'), store.path).card);
    return gotCard === wantCardSha ? null : `card sha256 ${gotCard}, expected ${wantCardSha}`;
  } catch (err) {
    return `read-back failed: ${(err as Error).message}`;
  }
}

/** Step 4: replace the live card atomically (CardStore validates, renames, runs the reload hook). */
async function write(r: Rollback, target: { meta: VersionMeta; yaml: string }, backupVersionId: string): Promise<void> {
  try {
    await r.store.write(target.yaml);
  } catch (err) {
    // CardStore put the previous bytes back itself.
    const message = (err as Error).message;
    const summary = `rollback to ${r.input.versionId} could not be written: ${message}`;
    await failed(r, backupVersionId, 'rollback_write_failed', summary, { error: message });
  }
}

/** Step 5: read the card back and verify it; on a mismatch put the backup back and fail. */
async function verifyOrRestore(
  r: Rollback,
  target: { meta: VersionMeta; yaml: string },
  current: LoadedCard,
  backupVersionId: string,
): Promise<void> {
  const { input, store } = r;
  const mismatch = verify(store, sha256Hex(Buffer.from(target.yaml, 'utf8')), target.meta.sha256);
  if (!mismatch) return;
  let restore: string | null;
  try {
    await store.write(current.yaml);
    restore = verify(store, sha256Hex(Buffer.from(current.yaml, 'utf8')), current.sha256);
  } catch (err) {
    restore = `restore failed: ${(err as Error).message}`;
  }
  const restoreOutcome = restore ? `restoring the backup ALSO failed: ${restore}` : 'the backup was restored';
  await failed(
    r,
    backupVersionId,
    'rollback_verify_failed',
    `rollback to ${input.versionId} did not verify (${mismatch}); ${restoreOutcome}`,
    {
      mismatch,
      restoreProblem: restore,
    },
  );
}

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
        const clock = stopwatch();
        const cfg = deps.config();
        checkInput(cfg, input);
        const r: Rollback = { deps, input, at: now(), now, store: deps.cards(input.channel) };

        const { target, card } = loadTarget(r);
        const current = r.store.load();
        const loadMs = clock.lap();
        const { decisions, changes } = checkValues(r, cfg, card, current);
        const validateMs = clock.lap();

        // 3. Back up the live card as a version first.
        const previousActive = deps.history.latest(input.channel, { status: ['active', 'promoted'] });
        const backup = deps.history.storeVersion(input.channel, current.yaml, {
          parent: previousActive?.version_id ?? null,
          source: 'backup',
          changes: [],
          rationale: `backup of the live card before rollback to ${input.versionId} (${input.by}: ${input.reason})`,
          deployment: { status: 'superseded', updated_at: r.at.toISOString(), note: `live until rollback to ${input.versionId}` },
        });
        const backupMs = clock.lap();

        await write(r, target, backup.version_id);
        const writeMs = clock.lap();
        await verifyOrRestore(r, target, current, backup.version_id);
        const verifyMs = clock.lap();

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
        const recordMs = clock.lap();
        const timings: RollbackTimings = { loadMs, validateMs, backupMs, writeMs, verifyMs, recordMs, totalMs: clock.total() };
        const summary = `card rolled back to ${input.versionId} by ${input.by}: ${input.reason}`;
        deps.auditLog.record({
          channel: input.channel,
          at: now().toISOString(),
          kind: 'rollback',
          summary,
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
          summary,
          details: { versionId: restored.version_id, changes: changes.map((c) => `${c.parameter} ${c.oldValue} → ${c.newValue}`) },
        });
        deps.logger.info(
          { channel: input.channel, restoredFrom: input.versionId, versionId: restored.version_id, timings },
          'card rolled back',
        );
        const result = {
          channel: input.channel,
          restoredFrom: input.versionId,
          versionId: restored.version_id,
          backupVersionId: backup.version_id,
        };
        return { ...result, sha256: restored.sha256, changes, bounds: decisions, timings };
      });
    },
  };
}
