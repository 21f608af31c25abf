/**
 * The slot log: one JSON record a line (src/domain/replay/record.ts), in its own file beside, never
 * inside, VVTV's metrics database. A planner that meets the extended overlay contract writes it
 * (docs/vvtv-integration.md, "The slot log"); the autopilot only reads it (`readSlotLog`).
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SlotRecordSchema, type SlotRecord } from '../../domain/replay';

/** How many rotated files (`path.1` … `path.N`, newest first) the reader looks at. */
export const MAX_ROTATED = 9;

export interface SlotLogRotation {
  /** Rotate before a write would take the file past this size. Default 64 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`path.1` newest … `path.keep`). Default 2. */
  keep?: number;
}

/**
 * Appends records to a JSONL file (the simulator's sink), rotating it logrotate's way: before a
 * write would take it past `maxBytes`, `path.(k)` becomes `path.(k+1)` (the oldest dropped) and
 * `path` becomes `path.1`, each a rename (atomic: a reader sees the old or the new name, never a
 * half file). Keep enough to cover the replay's window.
 */
export class JsonlSlotLog {
  private size: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly path: string,
    rotation: SlotLogRotation = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.maxBytes = rotation.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keep = Math.min(MAX_ROTATED, Math.max(1, Math.floor(rotation.keep ?? 2)));
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  write(records: SlotRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.path, text);
    this.size += bytes;
  }

  private rotate(): void {
    for (let k = this.keep - 1; k >= 1; k--) if (existsSync(`${this.path}.${k}`)) renameSync(`${this.path}.${k}`, `${this.path}.${k + 1}`);
    renameSync(this.path, `${this.path}.1`);
    this.size = 0;
  }
}

export interface SlotLogWindow {
  channel: string;
  /** ISO bounds of the records' `at`: [from, to). */
  from: string;
  to: string;
  /** At most this many records, thinned evenly over the window. Default 500. */
  maxRecords?: number;
  /** Read at most this many bytes in all: the newest first (the live file, then `.1`, `.2` …). Default 64 MiB. */
  maxBytes?: number;
}

export interface SlotLogRead {
  records: SlotRecord[];
  /** The file does not exist (no log: the replay is off). */
  missing: boolean;
  /** Files read, newest first (the live file and the rotated ones the window reaches). */
  files: string[];
  /** Records in the window before thinning. */
  inWindow: number;
  /** Lines that are not a valid record (skipped), and the first few reasons. */
  skipped: number;
  errors: string[];
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_ERRORS = 5;

/** The last `max` bytes of a file as lines (a first line cut by the limit is dropped). */
function tailLines(path: string, max: number): { lines: string[]; bytes: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    const lines = buf.subarray(0, read).toString('utf8').split('\n');
    if (start > 0) lines.shift(); // it began before the bytes read
    return { lines, bytes: read };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a bounded window of the slot log, read-only: the live file, then its rotated siblings
 * (`path.1`, `path.2` …, newest first) while the byte budget lasts. Bad lines are skipped and
 * counted, each error naming its file and line.
 */
export function readSlotLog(path: string, w: SlotLogWindow): SlotLogRead {
  const out: SlotLogRead = { records: [], missing: false, files: [], inWindow: 0, skipped: 0, errors: [] };
  if (!existsSync(path)) return { ...out, missing: true };
  const from = Date.parse(w.from);
  let budget = w.maxBytes ?? DEFAULT_MAX_BYTES;
  const files: Array<{ file: string; lines: string[] }> = [];
  for (let k = 0; k <= MAX_ROTATED && budget > 0; k++) {
    const file = k === 0 ? path : `${path}.${k}`;
    if (k > 0 && !existsSync(file)) break;
    const t = tailLines(file, budget);
    budget -= t.bytes;
    files.push({ file, lines: t.lines });
  }
  out.files = files.map((f) => f.file);
  const to = Date.parse(w.to);
  const all: SlotRecord[] = [];
  // Oldest file first, so records keep their written order.
  for (const { file, lines } of files.reverse()) {
    const name = file === path ? '' : `rotated ${file.slice(path.length)}, `;
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        out.skipped += 1;
        if (out.errors.length < MAX_ERRORS) out.errors.push(`${name}line ${i + 1}: not JSON`);
        return;
      }
      const r = SlotRecordSchema.safeParse(json);
      if (!r.success) {
        out.skipped += 1;
        const issue = r.error.issues[0];
        if (out.errors.length < MAX_ERRORS)
          out.errors.push(`${name}line ${i + 1}: ${issue?.path.join('.') || '(record)'}: ${issue?.message}`);
        return;
      }
      const at = Date.parse(r.data.at);
      if (r.data.channel === w.channel && at >= from && at < to) all.push(r.data);
    });
  }
  out.inWindow = all.length;
  const max = Math.max(1, w.maxRecords ?? 500);
  out.records = all.length <= max ? all : Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]!);
  return out;
}
