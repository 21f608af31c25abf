/**
 * The slot log: one JSON record a line (src/domain/replay/record.ts), in its own file beside, never
 * inside, VVTV's metrics database. A planner that meets the extended overlay contract writes it
 * (docs/vvtv-integration.md, "The slot log"); the autopilot only reads it (`readSlotLog`).
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { SlotRecordSchema, type SlotRecord } from '../../domain/replay';

/** Appends records to a JSONL file (the simulator's sink). */
export class JsonlSlotLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(records: SlotRecord[]): void {
    if (records.length === 0) return;
    appendFileSync(this.path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
}

export interface SlotLogWindow {
  channel: string;
  /** ISO bounds of the records' `at`: [from, to). */
  from: string;
  to: string;
  /** At most this many records, thinned evenly over the window. Default 500. */
  maxRecords?: number;
  /** Read at most the file's last this many bytes. Default 64 MiB. */
  maxBytes?: number;
}

export interface SlotLogRead {
  records: SlotRecord[];
  /** The file does not exist (no log: the replay is off). */
  missing: boolean;
  /** Records in the window before thinning. */
  inWindow: number;
  /** Lines that are not a valid record (skipped), and the first few reasons. */
  skipped: number;
  errors: string[];
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_ERRORS = 5;

/** Reads a bounded window of the slot log, read-only: bad lines are skipped and counted. */
export function readSlotLog(path: string, w: SlotLogWindow): SlotLogRead {
  const out: SlotLogRead = { records: [], missing: false, inWindow: 0, skipped: 0, errors: [] };
  if (!existsSync(path)) return { ...out, missing: true };
  const fd = openSync(path, 'r');
  let text: string;
  let partialFirst: boolean;
  try {
    const size = fstatSync(fd).size;
    const max = w.maxBytes ?? DEFAULT_MAX_BYTES;
    const start = Math.max(0, size - max);
    partialFirst = start > 0;
    const buf = Buffer.alloc(size - start);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    text = buf.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const lines = text.split('\n');
  if (partialFirst) lines.shift(); // it began before the bytes read
  const from = Date.parse(w.from);
  const to = Date.parse(w.to);
  const all: SlotRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      out.skipped += 1;
      if (out.errors.length < MAX_ERRORS) out.errors.push(`line ${i + 1}: not JSON`);
      return;
    }
    const r = SlotRecordSchema.safeParse(json);
    if (!r.success) {
      out.skipped += 1;
      const issue = r.error.issues[0];
      if (out.errors.length < MAX_ERRORS) out.errors.push(`line ${i + 1}: ${issue?.path.join('.') || '(record)'}: ${issue?.message}`);
      return;
    }
    const at = Date.parse(r.data.at);
    if (r.data.channel === w.channel && at >= from && at < to) all.push(r.data);
  });
  out.inWindow = all.length;
  const max = Math.max(1, w.maxRecords ?? 500);
  out.records = all.length <= max ? all : Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]!);
  return out;
}
