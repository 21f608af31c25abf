import { ValidationError } from '../../config/errors';
import { compareNewestFirst, parseBound } from './layout';
import type { ListQuery, TrajectoryPoint, VersionMeta } from './types';

/** Filters, sorts newest first and pages a channel's metas. `total` counts before paging. */
export function queryMetas(metas: readonly VersionMeta[], q: ListQuery = {}): { total: number; items: VersionMeta[] } {
  const from = parseBound(q.from, 'from');
  const to = parseBound(q.to, 'to');
  const offset = pageNumber(q.offset, 'offset') ?? 0;
  const limit = pageNumber(q.limit, 'limit');
  const statuses = q.status ? new Set<string>(q.status) : null;

  const matching = metas
    .filter((m) => {
      const t = Date.parse(m.created_at);
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t > to) return false;
      if (statuses && !statuses.has(m.deployment.status)) return false;
      if (q.parameter !== undefined && !m.changes.some((c) => c.parameter === q.parameter)) return false;
      if (q.changeType !== undefined && !m.changes.some((c) => c.changeType === q.changeType)) return false;
      return true;
    })
    .sort(compareNewestFirst);
  const end = limit === undefined ? undefined : offset + limit;
  return { total: matching.length, items: matching.slice(offset, end) };
}

function pageNumber(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0)
    throw new ValidationError('history query', [`${field}: expected a whole number >= 0 (got ${value})`]);
  return value;
}

/** Values a parameter took over time, oldest first, from each version's changes (last change wins). */
export function trajectoryOf(metas: readonly VersionMeta[], parameter: string): TrajectoryPoint[] {
  const points: TrajectoryPoint[] = [];
  for (const m of [...metas].sort(compareNewestFirst).reverse()) {
    const changes = m.changes.filter((c) => c.parameter === parameter);
    const last = changes[changes.length - 1];
    if (last) points.push({ at: m.created_at, version_id: m.version_id, value: last.newValue, status: m.deployment.status });
  }
  return points;
}

export const CSV_COLUMNS = ['version_id', 'created_at', 'parameter', 'old', 'new', 'change_type', 'status', 'rationale'] as const;

/**
 * One row per change (RFC 4180: CRLF line ends, fields with `,` `"` CR or LF quoted, quotes
 * doubled). When the query names a parameter or change type, only those changes are rows.
 * The rationale is the change's own, or the version's when the change has none.
 */
export function toCsv(items: readonly VersionMeta[], q: ListQuery = {}): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const m of items) {
    for (const c of m.changes) {
      if (q.parameter !== undefined && c.parameter !== q.parameter) continue;
      if (q.changeType !== undefined && c.changeType !== q.changeType) continue;
      rows.push([
        m.version_id,
        m.created_at,
        c.parameter,
        String(c.oldValue),
        String(c.newValue),
        c.changeType,
        m.deployment.status,
        c.rationale || m.rationale,
      ]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
