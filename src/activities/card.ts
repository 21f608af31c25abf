/**
 * The live card and its versions: read and validate it (10.1), record manual edits (10.5), write
 * a candidate version into history and mark one rejected.
 */
import { applyToCardYaml, parseCard, type LoadedCard } from '../adapters/card-store';
import type { DeploymentStatus } from '../adapters/history';
import { selectionParams, type SelectionParams } from '../config/card';
import { cardTerms } from '../config/card-terms';
import { ValidationError } from '../config/errors';
import type { CurrentCard } from '../domain/records';
import type { ParameterChange } from '../domain/types';
import { guard, type Deps } from './deps';

const ACTIVE: DeploymentStatus[] = ['active', 'promoted'];

/**
 * Makes sure history holds the live card as the active version: the first card is stored as
 * `bootstrap`, a card that differs from the last active version as `manual` (10.5), which
 * supersedes it. Returns the live card's version id.
 */
export function recordLiveCard(deps: Deps, channel: string, loaded: LoadedCard, at: Date, rationale: string): string {
  const latest = deps.history.latest(channel, { status: ACTIVE });
  if (latest && latest.sha256 === loaded.sha256) return latest.version_id;
  const meta = deps.history.storeVersion(channel, loaded.yaml, {
    parent: latest?.version_id ?? null,
    source: latest ? 'manual' : 'bootstrap',
    changes: [],
    rationale: latest ? rationale : 'first card seen by the autopilot',
    deployment: { status: 'active', updated_at: at.toISOString() },
  });
  if (latest)
    deps.history.updateDeployment(channel, latest.version_id, { ...latest.deployment, status: 'superseded', updated_at: at.toISOString() });
  return meta.version_id;
}

/** 10.5: a card edited by hand during a canary is kept as it is and recorded as a version of its own. */
export function keepManualEdit(deps: Deps, channel: string, live: LoadedCard, canaryId: string, at: Date): string {
  return recordLiveCard(deps, channel, live, at, `card edited by hand during canary ${canaryId}; kept, the canary rolled back`);
}

export function createCardActivities(deps: Deps) {
  const now = () => (deps.now ? deps.now() : new Date());
  const batchSize = () => deps.config().planner.selection_batch_size;

  return {
    /**
     * Loads and validates the live card (10.1) and makes sure history knows it: the first card is
     * stored as `bootstrap`, a card edited by hand since the last version as `manual` (10.5).
     * Also says what the card decides for this cycle: which parameters it contains (cardTerms) and,
     * when the config names no KPIs, the card's.
     */
    async readCard(input: { channel: string }): Promise<CurrentCard> {
      return guard(() => {
        const store = deps.cards(input.channel);
        const loaded = store.load();
        const { terms, problems } = cardTerms(deps.config(), loaded.card, loaded.written);
        if (problems.length) throw new ValidationError(store.path, problems);
        const versionId = recordLiveCard(deps, input.channel, loaded, now(), 'card edited outside the autopilot; recorded as found');
        return { sha256: loaded.sha256, versionId, ...terms };
      });
    },

    /** Writes the candidate card into history (status `canary`); idempotent per cycle. */
    async prepareVersion(input: { channel: string; cycleId: string; parentVersionId: string; changes: ParameterChange[] }): Promise<{
      versionId: string;
      sha256: string;
      /** The candidate's selection parameters (what the golden set runs with). */
      params: SelectionParams;
    }> {
      return guard(() => {
        const existing = deps.history.list(input.channel, { limit: 50 }).items.find((v) => v.cycle_id === input.cycleId);
        if (existing) {
          const stored = deps.history.getVersion(input.channel, existing.version_id)!;
          return {
            versionId: existing.version_id,
            sha256: existing.sha256,
            params: selectionParams(parseCard(stored.yaml, 'history').card, batchSize()),
          };
        }
        const store = deps.cards(input.channel);
        const current = store.load();
        const params = deps.config().parameters;
        const next = applyToCardYaml(
          current.yaml,
          input.changes.map((c) => ({
            cardPath: c.cardPath,
            value: c.newValue,
            create: params.find((p) => p.name === c.parameter)?.value_when_absent !== undefined,
          })),
          `${store.path} (proposed)`,
        );
        const meta = deps.history.storeVersion(input.channel, next.yaml, {
          parent: input.parentVersionId,
          source: 'autopilot',
          changes: input.changes,
          rationale: input.changes.map((c) => `${c.parameter} ${c.oldValue} → ${c.newValue}: ${c.rationale}`).join('; '),
          cycle_id: input.cycleId,
          deployment: { status: 'canary', updated_at: now().toISOString() },
        });
        return { versionId: meta.version_id, sha256: meta.sha256, params: selectionParams(next.card, batchSize()) };
      });
    },

    /** Marks a candidate version that never reached the canary (golden set failed). */
    async rejectVersion(input: { channel: string; versionId: string; note: string }): Promise<void> {
      deps.history.updateDeployment(input.channel, input.versionId, {
        status: 'rejected',
        updated_at: now().toISOString(),
        note: input.note,
      });
    },
  };
}
