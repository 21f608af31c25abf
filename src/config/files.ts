import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import YAML from 'yaml';
import { ValidationError } from './errors';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The largest file of each kind the autopilot reads. Far above real files (the config is ~10 KiB,
 * a card under 1 KiB, the default golden set ~30 KiB, a history meta ~2 KiB); a file past its
 * limit is refused before it is parsed.
 */
export const FILE_LIMITS = {
  config: 1 * MiB,
  card: 1 * MiB,
  golden: 8 * MiB,
  meta: 256 * KiB,
  /** A history archive, compressed on disk and once decompressed (a gzip bomb stops here). */
  archive: 256 * MiB,
} as const;

export type FileKind = keyof typeof FILE_LIMITS;

/**
 * Aliases a YAML document may expand (the `yaml` package counts each alias by the nodes it
 * copies). Our files use a handful; an alias bomb ("billion laughs") needs millions.
 */
export const MAX_YAML_ALIASES = 100;

export function formatBytes(n: number): string {
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= KiB) return `${+(n / KiB).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** A file larger than the limit for its kind. */
export class FileTooLargeError extends ValidationError {
  constructor(
    path: string,
    readonly kind: FileKind,
    readonly limitBytes: number,
  ) {
    super(path, [`(file): larger than the ${formatBytes(limitBytes)} limit for a ${kind} file`]);
    this.message = `${path}: larger than the ${formatBytes(limitBytes)} limit for a ${kind} file`;
  }
}

/**
 * Reads a text file of the given kind, refusing one past its size limit. Reads in chunks and stops
 * past the limit, so a file that grows while it is read, or a device without a size, is refused too.
 * Errors other than the size (missing file, permissions) are the file system's.
 */
export function readTextFile(path: string, kind: FileKind): string {
  return readBoundedFile(path, kind).toString('utf8');
}

export function readBoundedFile(path: string, kind: FileKind): Buffer {
  const limit = FILE_LIMITS[kind];
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size > limit) throw new FileTooLargeError(path, kind, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * KiB);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > limit) throw new FileTooLargeError(path, kind, limit);
      chunks.push(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses one YAML document into plain data. Syntax errors and alias bombs become a ValidationError
 * naming the source; the alias limit is checked while aliases are expanded, so a bomb fails fast.
 */
export function parseYaml(text: string, source: string): unknown {
  return yamlToJs(parseYamlDocument(text, source), source);
}

/** The document itself (comments, key order), for files that are edited in place, like the card. */
export function parseYamlDocument(text: string, source: string): YAML.Document {
  const doc = YAML.parseDocument(text, { prettyErrors: true, logLevel: 'error' });
  if (doc.errors.length > 0)
    throw new ValidationError(
      source,
      doc.errors.map((e) => `YAML syntax: ${e.message}`),
    );
  return doc;
}

export function yamlToJs(doc: YAML.Document, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message))
      throw new ValidationError(source, [`(root): YAML aliases expand past the limit of ${MAX_YAML_ALIASES} (an alias bomb?)`]);
    throw new ValidationError(source, [`YAML: ${(err as Error).message}`]);
  }
}
