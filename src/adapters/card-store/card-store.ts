import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { CardSchema, canonicalJson, getPath, type Card } from '../../config/card';
import { ValidationError, parseOrThrow } from '../../config/errors';
import { FILE_LIMITS, FileTooLargeError, parseYaml, parseYamlDocument, readTextFile, yamlToJs } from '../../config/files';
import { writeFileAtomicSync, fsyncDir, removeLeftoverTemps } from '../fs-atomic';

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
  /** The card as VVTV reads it: validated, with VVTV's defaults for what it leaves out. */
  card: Card;
  /** The card as written, without defaults: what tells a field that is absent from one set to its default. */
  written: unknown;
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

export interface CardEdit {
  cardPath: string;
  value: unknown;
  /** Write the field (and its section) even when the card has no such section: a parameter with value_when_absent. */
  create?: boolean;
}

/**
 * Returns `text` with the given card paths set, then validates the result. Throws
 * ValidationError and changes nothing on bad values. A field that holds a number is rewritten in
 * place (only the number's characters change: comments, alignment, flow lists and unknown keys
 * stay byte for byte, 10.5); a field that has to be created goes through the YAML document,
 * which keeps comments, key order and unknown keys but may respace the file.
 */
export function applyToCardYaml(text: string, changes: ReadonlyArray<CardEdit>, source: string): LoadedCard {
  let yaml = text;
  for (const c of changes) yaml = applyOne(yaml, c, source);
  const { card, doc } = parseCard(yaml, source);
  return { card, written: yamlToJs(doc, source), yaml, sha256: cardSha256(card) };
}

function applyOne(text: string, c: CardEdit, source: string): string {
  const { doc } = parseCard(text, source);
  const path = c.cardPath.split('.');
  const node = doc.getIn(path, true);
  if (YAML.isScalar(node) && typeof node.value === 'number' && typeof c.value === 'number' && Number.isFinite(c.value) && node.range) {
    return text.slice(0, node.range[0]) + String(c.value) + text.slice(node.range[1]);
  }
  const parent = path.slice(0, -1);
  if (getPath(yamlToJs(doc, source), c.cardPath) === undefined && !doc.hasIn(parent) && !c.create) {
    throw new ValidationError(source, [`${c.cardPath}: no such section in the card`]);
  }
  // An empty section (`exploration:`) is a null scalar: give it a mapping to hold the field.
  if (c.create && parent.length > 0 && doc.hasIn(parent) && doc.getIn(parent) == null) doc.setIn(parent, doc.createNode({}));
  doc.setIn(path, c.value);
  return doc.toString();
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
    const { card, doc } = parseCard(yaml, this.path);
    return { card, written: yamlToJs(doc, this.path), yaml, sha256: cardSha256(card) };
  }

  /**
   * Validates `yaml` and replaces the card. If the reload hook fails, the previous bytes are put
   * back (and reloaded) so the planner and the file never disagree; the error is rethrown.
   */
  async write(yaml: string): Promise<LoadedCard> {
    const { card, doc } = parseCard(yaml, `${this.path} (new version)`);
    const previous = existsSync(this.path) ? readFileSync(this.path) : null;
    removeLeftoverTemps(this.path); // an interrupted earlier write's temp file (never read as the card)
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
    return { card, written: yamlToJs(doc, this.path), yaml, sha256: cardSha256(card) };
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
    removeLeftoverTemps(this.overlayPath);
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
