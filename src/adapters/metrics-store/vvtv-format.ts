/**
 * VVTV's business_metrics rows as its monitor writes them (vvtv-core/src/monitor.rs,
 * `record_business_metric`, and sql/metrics.sql): the facts both the reader and the simulator's
 * writer rely on.
 */

/** VVTV's DDL for the table and its index (sql/metrics.sql), as VVTV creates them. */
export const VVTV_BUSINESS_METRICS_DDL = `
CREATE TABLE IF NOT EXISTS business_metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    metric_type TEXT NOT NULL,
    value REAL NOT NULL,
    context TEXT, -- JSON context data
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_business_metrics_type_time ON business_metrics(metric_type, timestamp);
CREATE INDEX IF NOT EXISTS idx_business_metrics_cleanup ON business_metrics(created_at);
`;

/**
 * chrono's `DateTime<Utc>::to_rfc3339()`: `+00:00`, never `Z`, and 0, 3, 6 or 9 fractional digits
 * (the fewest that hold the nanoseconds exactly, chrono's `SecondsFormat::AutoSi`).
 */
export const VVTV_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00$/;

/**
 * A UTC instant in chrono's rfc3339 form. `ms` is epoch milliseconds; `subMsNanos` (0-999,999)
 * adds the nanoseconds below the millisecond that Rust's clock has and JavaScript's has not.
 */
export function rfc3339(ms: number, subMsNanos = 0): string {
  if (!Number.isFinite(ms)) throw new RangeError(`rfc3339: expected a finite epoch ms, got ${ms}`);
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const nanos = (whole - Math.floor(whole / 1000) * 1000) * 1_000_000 + Math.max(0, Math.min(999_999, Math.floor(subMsNanos)));
  const base = iso.slice(0, 19);
  if (nanos === 0) return `${base}+00:00`;
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `${base}.${digits.slice(0, 3)}+00:00`;
  if (nanos % 1000 === 0) return `${base}.${digits.slice(0, 6)}+00:00`;
  return `${base}.${digits}+00:00`;
}

/**
 * A query bound for `timestamp >= bound` / `timestamp < bound`. With every row in the `+00:00`
 * form, text order is time order: a fraction sorts after the bare second (`.` > `+`) and longer
 * fractions after their prefixes, so a bound in the same form selects exactly the rows of the
 * interval, and SQLite can use VVTV's (metric_type, timestamp) index.
 */
export function timestampBound(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`timestamp bound: expected an ISO 8601 instant, got ${JSON.stringify(iso)}`);
  return rfc3339(ms);
}
