import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseOrThrow } from '../../config/errors';
import { readBoundedFile } from '../../config/files';
import { cardSha256, parseCard } from '../card-store';
import { writeFileAtomicSync } from '../fs-atomic';
import { cardMismatch, verifyChannel } from './integrity';
import {
  DAY_DIR_RE,
  LEFTOVER_TEMP_RE,
  assertChannel,
  baseFor,
  idFor,
  locate,
  relCard,
  relMeta,
  sha256Hex,
  withSuffix,
  type VersionLocation,
} from './layout';
import { queryMetas, toCsv, trajectoryOf } from './query';
import { archiveOldVersions, readArchiveFile } from './retention';
import { readMeta, scanChannel } from './scan';
import {
  DeploymentSchema,
  HistoryIntegrityError,
  StoreInputSchema,
  VersionNotFoundError,
  type ArchivedVersion,
  type Deployment,
  type DeploymentStatus,
  type IntegrityReport,
  type ListQuery,
  type RetentionResult,
  type StoreVersionInput,
  type TrajectoryPoint,
  type VersionMeta,
} from './types';

/**
 * Every card version of every channel, on disk (5.1, 5.2, 5.4):
 * `<root>/<channel>/YYYY-MM-DD/<HHMMSS>_<sha12>[-n].yaml` holds the card's exact bytes and the
 * `.json` beside it the metadata. All writes are atomic (temp, fsync, rename, fsync dir).
 * One writer per channel is assumed (the cycle workflow); readers may run alongside.
 */
export class HistoryStore {
  readonly root: string;
  private readonly now: () => Date;

  constructor(root: string, opts: { now?: () => Date } = {}) {
    this.root = resolve(root);
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Validates the YAML (ValidationError naming the field, nothing written), then writes the card
   * and after it the meta, so a meta never points at a missing card. The id gets `-2`, `-3`, …
   * when one with the same second and sha12 already exists.
   */
  storeVersion(channel: string, yaml: string, meta: StoreVersionInput): VersionMeta {
    assertChannel(channel);
    const { card } = parseCard(yaml, `history ${channel}: new card version`);
    const input = parseOrThrow(StoreInputSchema, meta, `history ${channel}: version metadata`);
    const { created_at: createdIn, ...rest } = input;
    const created = createdIn !== undefined ? new Date(createdIn) : this.now();
    const sha256 = cardSha256(card);
    const bytes = Buffer.from(yaml, 'utf8');

    const first = baseFor(created, sha256);
    let loc: VersionLocation = first;
    for (let n = 2; this.occupied(channel, loc); n++) loc = { day: first.day, base: withSuffix(first.base, n) };

    const fixed = {
      version_id: idFor(loc.day, loc.base),
      channel,
      sha256,
      created_at: created.toISOString(),
      card_file: relCard(channel, loc),
      card_bytes_sha256: sha256Hex(bytes),
    };
    // `meta` may be a spread of an older version's meta: its own id, hash and paths never win.
    const full = { ...fixed, ...rest, ...fixed } as VersionMeta;

    const cardPath = join(this.root, full.card_file);
    writeFileAtomicSync(cardPath, bytes);
    try {
      writeFileAtomicSync(join(this.root, relMeta(channel, loc)), metaText(full));
    } catch (err) {
      rmSync(cardPath, { force: true }); // no half-stored version left behind
      throw err;
    }
    return full;
  }

  /**
   * The version's meta and exact card text, or null when there is no meta for it. Throws
   * HistoryIntegrityError when the meta is unreadable or the card is missing or altered.
   */
  getVersion(channel: string, versionId: string): { meta: VersionMeta; yaml: string } | null {
    assertChannel(channel);
    const loc = locate(versionId);
    if (!existsSync(join(this.root, relMeta(channel, loc)))) return null;
    const meta = readMeta(this.root, channel, loc);
    const cardPath = join(this.root, meta.card_file);
    if (!existsSync(cardPath)) throw new HistoryIntegrityError(`meta of ${versionId} points at a missing card`, meta.card_file);
    const bytes = readBoundedFile(cardPath, 'card');
    const why = cardMismatch(meta, bytes);
    if (why) throw new HistoryIntegrityError(`stored card of ${versionId} is corrupt: ${why}`, meta.card_file);
    return { meta, yaml: bytes.toString('utf8') };
  }

  /** Replaces the version's deployment record (atomic meta rewrite) and returns the new meta. */
  updateDeployment(channel: string, versionId: string, deployment: Deployment): VersionMeta {
    assertChannel(channel);
    const loc = locate(versionId);
    const metaPath = join(this.root, relMeta(channel, loc));
    if (!existsSync(metaPath)) throw new VersionNotFoundError(channel, versionId);
    const dep = parseOrThrow(DeploymentSchema, deployment, `history ${channel}: deployment of ${versionId}`) as Deployment;
    const updated: VersionMeta = { ...readMeta(this.root, channel, loc), deployment: dep };
    writeFileAtomicSync(metaPath, metaText(updated));
    return updated;
  }

  /** The newest version, optionally only among the given deployment states. */
  latest(channel: string, filter: { status?: DeploymentStatus[] } = {}): VersionMeta | null {
    return this.list(channel, { status: filter.status, limit: 1 }).items[0] ?? null;
  }

  /** The newest version whose card hash (cardSha256) is `sha256`. */
  findBySha(channel: string, sha256: string): VersionMeta | null {
    const wanted = sha256.toLowerCase();
    return (
      queryMetas(
        this.metas(channel).filter((m) => m.sha256 === wanted),
        { limit: 1 },
      ).items[0] ?? null
    );
  }

  /** Newest first. Versions whose meta cannot be read are left out (verifyIntegrity reports them). */
  list(channel: string, q: ListQuery = {}): { total: number; items: VersionMeta[] } {
    return queryMetas(this.metas(channel), q);
  }

  /** The parameter's value after each version that changed it, oldest first. */
  trajectory(channel: string, parameter: string): TrajectoryPoint[] {
    return trajectoryOf(this.metas(channel), parameter);
  }

  exportJson(channel: string, q: ListQuery = {}): string {
    const { total, items } = this.list(channel, q);
    return JSON.stringify({ channel, total, items }, null, 2) + '\n';
  }

  /** One row per change: version_id, created_at, parameter, old, new, change_type, status, rationale. */
  exportCsv(channel: string, q: ListQuery = {}): string {
    return toCsv(this.list(channel, q).items, q);
  }

  verifyIntegrity(channel: string): IntegrityReport {
    assertChannel(channel);
    return verifyChannel(this.root, channel);
  }

  /** Archives versions older than `days` (5.4); see archiveOldVersions for what always stays. */
  applyRetention(channel: string, opts: { days: number; now?: Date }): RetentionResult {
    assertChannel(channel);
    return archiveOldVersions(this.root, channel, scanChannel(this.root, channel), { days: opts.days, now: opts.now ?? this.now() });
  }

  /**
   * Removes the temporary files interrupted writes left in the channel's day folders (a crash
   * between writing a version's temp file and renaming it). No meta points at them, so they
   * were never part of history; until removed, the integrity check reports them as orphans.
   * Returns their paths relative to the root.
   */
  removeLeftoverTemps(channel: string): string[] {
    assertChannel(channel);
    const channelDir = join(this.root, channel);
    if (!existsSync(channelDir)) return [];
    const removed: string[] = [];
    for (const day of readdirSync(channelDir).filter((d) => DAY_DIR_RE.test(d))) {
      for (const f of readdirSync(join(channelDir, day)).filter((n) => LEFTOVER_TEMP_RE.test(n))) {
        rmSync(join(channelDir, day, f), { force: true });
        removed.push(`${channel}/${day}/${f}`);
      }
    }
    return removed;
  }

  /** The versions an archive holds; `path` is absolute or relative to the history root. */
  readArchive(path: string): ArchivedVersion[] {
    return readArchiveFile(resolve(this.root, path));
  }

  private metas(channel: string): VersionMeta[] {
    assertChannel(channel);
    return scanChannel(this.root, channel).versions.map((v) => v.meta);
  }

  private occupied(channel: string, loc: VersionLocation): boolean {
    return existsSync(join(this.root, relCard(channel, loc))) || existsSync(join(this.root, relMeta(channel, loc)));
  }
}

function metaText(meta: VersionMeta): string {
  return JSON.stringify(meta, null, 2) + '\n';
}
