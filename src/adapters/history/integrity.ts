import { readBoundedFile } from '../../config/files';
import { join } from 'node:path';
import { cardSha256, parseCard } from '../card-store';
import { sha256Hex } from './layout';
import { errorDetail, scanChannel } from './scan';
import type { IntegrityReport, VersionMeta } from './types';

/**
 * Why the stored card no longer matches its meta, or null when it does. Checks the exact bytes
 * (when the meta recorded them) and the canonical card hash, which is what rollback relies on.
 */
export function cardMismatch(meta: VersionMeta, bytes: Buffer): string | null {
  if (meta.card_bytes_sha256 !== undefined) {
    const actual = sha256Hex(bytes);
    if (actual !== meta.card_bytes_sha256) return `card bytes changed: file sha256 ${actual}, meta says ${meta.card_bytes_sha256}`;
  }
  let sha: string;
  try {
    sha = cardSha256(parseCard(bytes.toString('utf8'), meta.card_file).card);
  } catch (err) {
    return `card no longer parses: ${errorDetail(err)}`;
  }
  return sha === meta.sha256 ? null : `card hash ${sha} does not match meta sha256 ${meta.sha256}`;
}

/** Full check of one channel: structure from the scan, then every card hashed against its meta. */
export function verifyChannel(root: string, channel: string): IntegrityReport {
  const scan = scanChannel(root, channel);
  const problems = [...scan.problems];
  for (const { meta, hasCard } of scan.versions) {
    if (!hasCard) continue; // already reported as missing_card
    let bytes: Buffer;
    try {
      bytes = readBoundedFile(join(root, meta.card_file), 'card');
    } catch (err) {
      problems.push({ kind: 'missing_card', file: meta.card_file, detail: `card cannot be read: ${errorDetail(err)}` });
      continue;
    }
    const why = cardMismatch(meta, bytes);
    if (why) problems.push({ kind: 'hash_mismatch', file: meta.card_file, detail: why });
  }
  const checked = scan.versions.length + problems.filter((p) => p.kind === 'unreadable_meta').length;
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { ok: problems.length === 0, checked, problems };
}
