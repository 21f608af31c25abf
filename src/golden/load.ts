import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError, parseOrThrow } from '../config/errors';
import { FileTooLargeError, parseYaml, readTextFile } from '../config/files';
import { sha256Of } from './cache';
import { GoldenSetSchema, type GoldenSet } from './model';

/** The golden set shipped with the autopilot (config/golden). */
export function defaultGoldenPath(): string {
  return resolve(__dirname, '..', '..', 'config', 'golden');
}

export function parseGoldenSet(text: string, source: string): GoldenSet {
  return parseOrThrow(GoldenSetSchema, parseYaml(text, source), source);
}

/**
 * A golden set file, or every `*.yaml`/`*.yml` file of a directory (sorted by name; files ending
 * in `.proposed.yaml` are regenerated expectations awaiting review and are skipped).
 */
export function loadGoldenSets(path: string): GoldenSet[] {
  const abs = resolve(path);
  let files: string[];
  try {
    files = statSync(abs).isDirectory()
      ? readdirSync(abs)
          .filter((f) => /\.ya?ml$/.test(f) && !/\.proposed\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(abs, f))
      : [abs];
  } catch (err) {
    throw new ValidationError(abs, [`cannot read the golden set: ${(err as Error).message}`]);
  }
  if (files.length === 0) throw new ValidationError(abs, ['no golden set files (*.yaml) found']);
  const sets = files.map((f) => parsedGoldenSet(readGoldenFile(f), f));
  const names = new Set<string>();
  for (const s of sets) {
    if (names.has(s.name)) throw new ValidationError(abs, [`name: two golden set files are both named ${s.name}`]);
    names.add(s.name);
  }
  return sets;
}

/**
 * Parsed sets by file and content. Every cycle's golden gate loads the sets again; parsing and
 * validating the YAML was the largest part of a cycle's CPU in the worker (bench/channels.ts),
 * while reading the text and hashing it costs little. Keyed by the content's hash, so an edited
 * file is always parsed again; the cached sets are frozen, so no caller can change them.
 */
const parsed = new Map<string, { sha: string; set: GoldenSet }>();
const MAX_PARSED = 64;

function parsedGoldenSet(text: string, source: string): GoldenSet {
  const sha = createHash('sha256').update(text).digest('hex');
  const hit = parsed.get(source);
  if (hit?.sha === sha) return hit.set;
  const set = deepFreeze(parseGoldenSet(text, source));
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(source, { sha, set });
  return set;
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

function readGoldenFile(path: string): string {
  try {
    return readTextFile(path, 'golden');
  } catch (err) {
    if (err instanceof FileTooLargeError) throw err;
    throw new ValidationError(path, [`cannot read the golden set: ${(err as Error).message}`]);
  }
}

/** SHA256 of the sets' canonical content: comments and formatting do not change it. */
export function goldenSetHash(sets: GoldenSet[]): string {
  return sha256Of(sets);
}
