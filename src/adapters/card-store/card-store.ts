import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { CardSchema, canonicalJson, getPath, type Card } from '../../config/card';
import { ValidationError, parseOrThrow } from '../../config/errors';
import { FILE_LIMITS, FileTooLargeError, parseYaml, parseYamlDocument, readTextFile, yamlToJs } from '../../config/files';
import { writeFileAtomicSync, fsyncDir } from '../fs-atomic';

const execFileP = promisify(execFile);

/** The canary overlay the planner reads beside the card: a full candidate card for a share of slots. */
export interface CanaryOverlay {
  canary_id: string;
  channel: string;
  traffic_percentage: number;
  started_at: string;
  card_sha: string;
  card: Card;
}

export interface LoadedCard {
  card: Card;
  yaml: string;
  sha256: string;
}

/** SHA256 of the card's canonical JSON: formatting and comments do not change it. */
export function cardSha256(card: unknown): string {
  return createHash('sha256').update(canonicalJson(card)).digest('hex');
}

/** Parses and validates card YAML. Errors name the field (`selection.temperature: …`). */
export function parseCard(text: string, source: string): { card: Card; doc: YAML.Document } {
  // A card we could not read back is never written either.
  if (Buffer.byteLength(text, 'utf8') > FILE_LIMITS.card) throw new FileTooLargeError(source, 'card', FILE_LIMITS.card);
  const doc = parseYamlDocument(text, source);
  const card = parseOrThrow(CardSchema, yamlToJs(doc, source), source);
  return { card, doc };
}

/**
 * Returns `text` with the given card paths set, keeping comments, key order and unknown keys
 * (10.5), then validates the result. Throws ValidationError and changes nothing on bad values.
 */
export function applyToCardYaml(text: string, changes: ReadonlyArray<{ cardPath: string; value: unknown }>, source: string): LoadedCard {
  const { doc } = parseCard(text, source);
  for (const c of changes) {
    const path = c.cardPath.split('.');
    if (getPath(yamlToJs(doc, source), c.cardPath) === undefined && !doc.hasIn(path.slice(0, -1))) {
      throw new ValidationError(source, [`${c.cardPath}: no such section in the card`]);
    }
    doc.setIn(path, c.value);
  }
  const yaml = doc.toString();
  const { card } = parseCard(yaml, source);
  return { card, yaml, sha256: cardSha256(card) };
}

/**
 * One channel's Business Logic Card on disk, plus the canary overlay file beside it.
 * Every write validates first, replaces atomically (10.2) and runs the reload hook (10.4).
 */
export class CardStore {
  readonly overlayPath: string;

  constructor(
    readonly path: string,
    private readonly reloadCommand?: string,
    readonly channel = 'default',
  ) {
    this.overlayPath = join(dirname(path), basename(path).replace(/\.ya?ml$/, '') + '.canary.yaml');
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  load(): LoadedCard {
    const yaml = readTextFile(this.path, 'card');
    const { card } = parseCard(yaml, this.path);
    return { card, yaml, sha256: cardSha256(card) };
  }

  /**
   * Validates `yaml` and replaces the card. If the reload hook fails, the previous bytes are put
   * back (and reloaded) so the planner and the file never disagree; the error is rethrown.
   */
  async write(yaml: string): Promise<LoadedCard> {
    const { card } = parseCard(yaml, `${this.path} (new version)`);
    const previous = existsSync(this.path) ? readFileSync(this.path) : null;
    writeFileAtomicSync(this.path, yaml);
    try {
      await this.reload();
    } catch (err) {
      if (previous) {
        writeFileAtomicSync(this.path, previous);
        await this.reload().catch(() => undefined);
      }
      throw err;
    }
    return { card, yaml, sha256: cardSha256(card) };
  }

  readOverlay(): CanaryOverlay | null {
    if (!existsSync(this.overlayPath)) return null;
    const raw = parseYaml(readTextFile(this.overlayPath, 'card'), this.overlayPath);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new ValidationError(this.overlayPath, ['(root): expected a mapping']);
    parseOrThrow(CardSchema, (raw as { card?: unknown }).card, this.overlayPath, 'card');
    return raw as CanaryOverlay;
  }

  async writeOverlay(overlay: CanaryOverlay): Promise<void> {
    parseOrThrow(CardSchema, overlay.card, `${this.overlayPath} (canary card)`, 'card');
    writeFileAtomicSync(this.overlayPath, YAML.stringify(overlay));
    await this.reload();
  }

  /** Removes the overlay (rollback or promotion). Idempotent. */
  async removeOverlay(): Promise<boolean> {
    if (!existsSync(this.overlayPath)) return false;
    rmSync(this.overlayPath);
    fsyncDir(dirname(this.overlayPath));
    await this.reload();
    return true;
  }

  private async reload(): Promise<void> {
    if (!this.reloadCommand) return;
    const cmd = this.reloadCommand.replaceAll('{card}', this.path).replaceAll('{channel}', this.channel);
    await execFileP('sh', ['-c', cmd], { timeout: 10_000 });
  }
}
