import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '../../config/errors';
import { FILE_LIMITS, formatBytes, readBoundedFile } from '../../config/files';
import { fsyncDir, writeFileAtomicSync } from '../fs-atomic';
import { cardMismatch } from './integrity';
import { ARCHIVE_DIR, compareNewestFirst, locate } from './layout';
import { errorDetail, parseMetaText, type ChannelScan } from './scan';
import { HistoryIntegrityError, type ArchivedVersion, type DeploymentStatus, type RetentionResult, type VersionMeta } from './types';

const DAY_MS = 86_400_000;

/** Versions in these states are live or in flight: never archived, however old. */
const LIVE_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['pending', 'canary', 'active']);

/**
 * Moves versions older than `days` into one gzip JSONL archive (5.4). The archive is written
 * atomically and read back and compared before any original is removed; the channel's newest
 * version and live ones (pending, canary, active) always stay; a version whose card is missing
 * or no longer matches its meta stays too and is listed in `kept` (verifyIntegrity reports it).
 */
export function archiveOldVersions(root: string, channel: string, scan: ChannelScan, opts: { days: number; now: Date }): RetentionResult {
  if (!Number.isFinite(opts.days) || opts.days <= 0)
    throw new ValidationError('history retention', [`days: expected a number above 0 (got ${opts.days})`]);
  const cutoff = opts.now.getTime() - opts.days * DAY_MS;
  const newest = [...scan.versions].map((v) => v.meta).sort(compareNewestFirst)[0];
  const kept: RetentionResult['kept'] = [];
  const entries: ArchivedVersion[] = [];

  for (const { meta, hasCard } of scan.versions) {
    if (Date.parse(meta.created_at) >= cutoff) continue;
    const keep = (reason: string) => kept.push({ version_id: meta.version_id, reason });
    if (meta === newest) keep('newest version of the channel');
    else if (LIVE_STATUSES.has(meta.deployment.status)) keep(`deployment status is ${meta.deployment.status}`);
    else if (!hasCard) keep('card file is missing');
    else {
      const bytes = readBoundedFile(join(root, meta.card_file), 'card');
      const why = cardMismatch(meta, bytes);
      if (why) keep(why);
      else entries.push({ meta, yaml: bytes.toString('utf8') });
    }
  }
  if (entries.length === 0) return { archived: 0, kept };

  entries.sort((a, b) => compareNewestFirst(b.meta, a.meta)); // oldest first
  const archive = freeArchivePath(join(root, channel, ARCHIVE_DIR), opts.now);
  const text = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
  writeFileAtomicSync(archive, gzipSync(Buffer.from(text, 'utf8')));
  verifyArchive(archive, entries);

  const days = new Set<string>();
  for (const { meta } of entries) {
    const loc = locate(meta.version_id);
    rmSync(join(root, channel, loc.day, `${loc.base}.json`)); // meta first: a crash leaves a card, never a meta without one
    rmSync(join(root, meta.card_file));
    days.add(loc.day);
  }
  for (const day of days) {
    const dir = join(root, channel, day);
    if (readdirSync(dir).length === 0) rmdirSync(dir);
    else fsyncDir(dir);
  }
  fsyncDir(join(root, channel));
  return { archived: entries.length, archive, kept };
}

/** `<date>.jsonl.gz`, or `<date>-2.jsonl.gz`, … so an earlier archive is never overwritten. */
function freeArchivePath(dir: string, now: Date): string {
  const date = now.toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const path = join(dir, `${date}${n === 1 ? '' : `-${n}`}.jsonl.gz`);
    if (!existsSync(path)) return path;
  }
}

function verifyArchive(archive: string, expected: readonly ArchivedVersion[]): void {
  let problem: string | null = null;
  try {
    const back = readArchiveFile(archive);
    if (back.length !== expected.length) problem = `archive holds ${back.length} versions, expected ${expected.length}`;
    else {
      const i = back.findIndex((b, k) => b.yaml !== expected[k]!.yaml || JSON.stringify(b.meta) !== JSON.stringify(expected[k]!.meta));
      if (i >= 0) problem = `archive line ${i + 1} differs from ${expected[i]!.meta.version_id}`;
    }
  } catch (err) {
    problem = errorDetail(err);
  }
  if (problem !== null) {
    rmSync(archive, { force: true }); // the originals are untouched; a bad archive would only mislead
    throw new HistoryIntegrityError(`archive failed verification, nothing removed: ${problem}`, archive);
  }
}

/**
 * What an archive holds, each version's card checked against its meta. Throws HistoryIntegrityError
 * if unreadable, or larger than `limit` compressed or decompressed.
 */
export function readArchiveFile(path: string, limit: number = FILE_LIMITS.archive): ArchivedVersion[] {
  let text: string;
  try {
    const gz = readFileSync(path);
    if (gz.length > limit) throw new Error(`larger than the ${formatBytes(limit)} limit for an archive`);
    text = gunzipSync(gz, { maxOutputLength: limit }).toString('utf8');
  } catch (err) {
    const tooLarge = err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    const why = tooLarge ? `decompresses to more than the ${formatBytes(limit)} limit for an archive` : errorDetail(err);
    throw new HistoryIntegrityError(`archive cannot be read: ${why}`, path);
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  return lines.map((line, i) => {
    const where = `${path} line ${i + 1}`;
    let raw: { meta?: unknown; yaml?: unknown };
    try {
      raw = JSON.parse(line) as { meta?: unknown; yaml?: unknown };
    } catch (err) {
      throw new HistoryIntegrityError(`archive line is not JSON: ${errorDetail(err)}`, where);
    }
    if (typeof raw.yaml !== 'string' || raw.meta === null || typeof raw.meta !== 'object')
      throw new HistoryIntegrityError('archive line needs {meta, yaml}', where);
    const m = raw.meta as Partial<VersionMeta>;
    let loc: ReturnType<typeof locate>;
    try {
      loc = locate(String(m.version_id));
    } catch (err) {
      throw new HistoryIntegrityError(`archive line has a bad version_id: ${errorDetail(err)}`, where);
    }
    const meta = parseMetaText(JSON.stringify(raw.meta), where, String(m.channel), loc);
    const why = cardMismatch(meta, Buffer.from(raw.yaml, 'utf8'));
    if (why) throw new HistoryIntegrityError(`archived ${meta.version_id}: ${why}`, where);
    return { meta, yaml: raw.yaml };
  });
}
