import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { ValidationError } from '../../config/errors';

/**
 * Where versions live (5.2): `<root>/<channel>/YYYY-MM-DD/<HHMMSS>_<sha12>[-n].{yaml,json}`,
 * dates in UTC. Version id: `<YYYYMMDD>T<HHMMSS>Z_<sha12>[-n]`.
 */

const CHANNEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION_ID_RE = /^(\d{4})(\d{2})(\d{2})T(\d{6})Z_([0-9a-f]{12})(?:-([1-9]\d*))?$/;
export const DAY_DIR_RE = /^\d{4}-\d{2}-\d{2}$/;
export const VERSION_FILE_RE = /^(\d{6})_([0-9a-f]{12})(?:-([1-9]\d*))?\.(yaml|json)$/;
/** A version file's temporary twin (write-file-atomic: `<name>.<a 32-bit number>`), left by a write interrupted before its rename. */
export const LEFTOVER_TEMP_RE = /^\d{6}_[0-9a-f]{12}(?:-[1-9]\d*)?\.(?:yaml|json)\.\d{1,10}$/;
export const ARCHIVE_DIR = 'archive';
export const ARCHIVE_FILE_RE = /^\d{4}-\d{2}-\d{2}(?:-[1-9]\d*)?\.jsonl\.gz$/;

/** A channel name is one safe path segment: no separators, no `..`. */
export function assertChannel(channel: string): void {
  if (!CHANNEL_RE.test(channel) || channel === ARCHIVE_DIR) {
    throw new ValidationError('history channel', [`channel: expected letters, digits, '.', '_' or '-' (got ${JSON.stringify(channel)})`]);
  }
}

export interface VersionLocation {
  /** `YYYY-MM-DD` */
  day: string;
  /** `HHMMSS_sha12[-n]`, the file name without extension. */
  base: string;
}

/** Splits a version id into its day folder and file base; ValidationError when it is not one. */
export function locate(versionId: string): VersionLocation {
  const m = VERSION_ID_RE.exec(versionId);
  if (!m)
    throw new ValidationError('history version id', [
      `version_id: expected YYYYMMDDTHHMMSSZ_<sha12>[-n] (got ${JSON.stringify(versionId)})`,
    ]);
  const [, y, mo, d, hms, sha12, n] = m;
  return { day: `${y}-${mo}-${d}`, base: `${hms}_${sha12}${n ? `-${n}` : ''}` };
}

/** The version id for a file in a day folder (`2026-11-03`, `101500_abcdef012345-2`). */
export function idFor(day: string, base: string): string {
  const [hms, rest] = base.split('_') as [string, string];
  return `${day.replace(/-/g, '')}T${hms}Z_${rest}`;
}

/** Day folder and file base for a new version at `at`, before any collision suffix. */
export function baseFor(at: Date, sha256: string): VersionLocation {
  const iso = at.toISOString(); // 2026-11-03T10:15:00.000Z
  return { day: iso.slice(0, 10), base: `${iso.slice(11, 19).replace(/:/g, '')}_${sha256.slice(0, 12)}` };
}

export function withSuffix(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`;
}

/** Paths relative to the history root, `/`-separated (stored in metas and problems). */
export function relCard(channel: string, loc: VersionLocation): string {
  return posix.join(channel, loc.day, `${loc.base}.yaml`);
}

export function relMeta(channel: string, loc: VersionLocation): string {
  return posix.join(channel, loc.day, `${loc.base}.json`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Sort key for newest-first order: created_at, then the collision suffix. */
export function compareNewestFirst(a: { created_at: string; version_id: string }, b: { created_at: string; version_id: string }): number {
  const dt = Date.parse(b.created_at) - Date.parse(a.created_at);
  if (dt !== 0) return dt;
  return suffixOf(b.version_id) - suffixOf(a.version_id) || (a.version_id < b.version_id ? 1 : a.version_id > b.version_id ? -1 : 0);
}

function suffixOf(versionId: string): number {
  const m = /-(\d+)$/.exec(versionId);
  return m ? Number(m[1]) : 1;
}

/** Parses a date bound for a query; ValidationError naming the field when it is not a date. */
export function parseBound(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t))
    throw new ValidationError('history query', [`${field}: expected an ISO date-time (got ${JSON.stringify(value)})`]);
  return t;
}
