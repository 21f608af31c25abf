import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { formatZodIssues } from '../../config/errors';
import { FILE_LIMITS, FileTooLargeError, formatBytes, readTextFile } from '../../config/files';
import { ARCHIVE_DIR, ARCHIVE_FILE_RE, DAY_DIR_RE, VERSION_FILE_RE, idFor, relCard, relMeta, type VersionLocation } from './layout';
import { HistoryIntegrityError, VersionMetaSchema, type IntegrityProblem, type VersionMeta } from './types';

export interface ScannedVersion {
  meta: VersionMeta;
  loc: VersionLocation;
  hasCard: boolean;
}

export interface ChannelScan {
  /** Every version whose meta could be read, in directory order (not sorted). */
  versions: ScannedVersion[];
  /** Structural problems: unreadable metas, metas without cards, cards without metas, stray files. */
  problems: IntegrityProblem[];
  /** Day folders found (`YYYY-MM-DD`). */
  days: string[];
}

/**
 * Reads a meta JSON and checks it against where it lives. Throws HistoryIntegrityError when the
 * file is not JSON, does not match the schema, or names another version, channel or card file.
 */
export function readMeta(root: string, channel: string, loc: VersionLocation): VersionMeta {
  const rel = relMeta(channel, loc);
  let text: string;
  try {
    text = readTextFile(join(root, rel), 'meta');
  } catch (err) {
    if (err instanceof FileTooLargeError)
      throw new HistoryIntegrityError(`meta is larger than the ${formatBytes(FILE_LIMITS.meta)} limit`, rel);
    throw err;
  }
  return parseMetaText(text, rel, channel, loc);
}

export function parseMetaText(text: string, rel: string, channel: string, loc: VersionLocation): VersionMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HistoryIntegrityError(`meta is not valid JSON: ${(err as Error).message}`, rel);
  }
  const parsed = VersionMetaSchema.safeParse(raw);
  if (!parsed.success) throw new HistoryIntegrityError(`meta does not match the schema: ${formatZodIssues(parsed.error).join('; ')}`, rel);
  const meta = parsed.data as VersionMeta;
  const expectedId = idFor(loc.day, loc.base);
  if (meta.version_id !== expectedId)
    throw new HistoryIntegrityError(`meta names version ${meta.version_id}, file name says ${expectedId}`, rel);
  if (meta.channel !== channel) throw new HistoryIntegrityError(`meta names channel ${meta.channel}, folder says ${channel}`, rel);
  if (meta.card_file !== relCard(channel, loc))
    throw new HistoryIntegrityError(`meta points at ${meta.card_file}, expected ${relCard(channel, loc)}`, rel);
  return meta;
}

/** One directory scan of a channel; each meta JSON is read once. */
export function scanChannel(root: string, channel: string): ChannelScan {
  const scan: ChannelScan = { versions: [], problems: [], days: [] };
  const channelDir = join(root, channel);
  if (!existsSync(channelDir)) return scan;

  for (const entry of readdirSync(channelDir, { withFileTypes: true })) {
    const rel = posix.join(channel, entry.name);
    if (entry.isDirectory() && DAY_DIR_RE.test(entry.name)) {
      scan.days.push(entry.name);
      scanDay(root, channel, entry.name, scan);
    } else if (entry.isDirectory() && entry.name === ARCHIVE_DIR) {
      for (const f of readdirSync(join(channelDir, ARCHIVE_DIR))) {
        if (!ARCHIVE_FILE_RE.test(f)) scan.problems.push(orphan(posix.join(rel, f)));
      }
    } else {
      scan.problems.push(orphan(rel));
    }
  }
  return scan;
}

function scanDay(root: string, channel: string, day: string, scan: ChannelScan): void {
  const cards = new Set<string>();
  const metas = new Set<string>();
  for (const entry of readdirSync(join(root, channel, day), { withFileTypes: true })) {
    const m = entry.isFile() ? VERSION_FILE_RE.exec(entry.name) : null;
    if (!m) {
      scan.problems.push(orphan(posix.join(channel, day, entry.name)));
      continue;
    }
    const base = entry.name.slice(0, -(m[4]!.length + 1));
    (m[4] === 'yaml' ? cards : metas).add(base);
  }
  for (const base of metas) {
    const loc = { day, base };
    const hasCard = cards.has(base);
    try {
      scan.versions.push({ meta: readMeta(root, channel, loc), loc, hasCard });
    } catch (err) {
      scan.problems.push({ kind: 'unreadable_meta', file: relMeta(channel, loc), detail: errorDetail(err) });
    }
    if (!hasCard)
      scan.problems.push({
        kind: 'missing_card',
        file: relCard(channel, loc),
        detail: `meta ${relMeta(channel, loc)} points at a card that is not there`,
      });
  }
  for (const base of cards) {
    if (!metas.has(base)) {
      const loc = { day, base };
      scan.problems.push({
        kind: 'missing_meta',
        file: relCard(channel, loc),
        detail: `card has no ${relMeta(channel, loc)} (interrupted write?)`,
      });
    }
  }
}

function orphan(file: string): IntegrityProblem {
  return { kind: 'orphan_file', file, detail: 'not a history file (stray temp file or manual copy?)' };
}

export function errorDetail(err: unknown): string {
  if (err instanceof HistoryIntegrityError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}
