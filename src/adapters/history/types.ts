import { z } from 'zod';
import type { CanaryVerdict, ChangeType, ParameterChange } from '../../domain/types';

export const DEPLOYMENT_STATUSES = ['pending', 'canary', 'promoted', 'rolled_back', 'rejected', 'active', 'superseded'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const VERSION_SOURCES = ['bootstrap', 'autopilot', 'manual', 'rollback', 'backup'] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

const CHANGE_TYPES = ['Optimization', 'Correction', 'Exploration', 'Rollback'] as const satisfies readonly ChangeType[];
// Fails to compile if ChangeType grows a member the schema below does not know.
const allChangeTypesListed: Exclude<ChangeType, (typeof CHANGE_TYPES)[number]> extends never ? true : never = true;
void allChangeTypesListed;

export interface Deployment {
  status: DeploymentStatus;
  updated_at: string; // ISO
  verdict?: CanaryVerdict;
  note?: string;
}

/** The metadata JSON stored beside each card version (5.1). */
export interface VersionMeta {
  version_id: string;
  channel: string;
  /** cardSha256(card): canonical, ignores formatting and comments. */
  sha256: string;
  parent: string | null;
  created_at: string; // ISO, UTC
  source: VersionSource;
  changes: ParameterChange[];
  rationale: string;
  cycle_id?: string;
  deployment: Deployment;
  /** Path of the card file relative to the history root, with `/` separators. */
  card_file: string;
  /** SHA256 of the card file's exact bytes, so that a changed comment is caught too. */
  card_bytes_sha256?: string;
}

export type StoreVersionInput = Omit<
  VersionMeta,
  'version_id' | 'channel' | 'sha256' | 'created_at' | 'card_file' | 'card_bytes_sha256'
> & {
  created_at?: string;
};

export interface ListQuery {
  /** Inclusive lower bound on created_at (any string Date.parse accepts). */
  from?: string;
  /** Inclusive upper bound on created_at. */
  to?: string;
  /** Versions with a change to this parameter. */
  parameter?: string;
  /** Versions with a change of this type (Optimization, Correction, …). */
  changeType?: string;
  status?: DeploymentStatus[];
  limit?: number;
  offset?: number;
}

export interface TrajectoryPoint {
  at: string;
  version_id: string;
  value: number;
  status: DeploymentStatus;
}

export type IntegrityProblemKind = 'missing_card' | 'missing_meta' | 'hash_mismatch' | 'unreadable_meta' | 'orphan_file';

export interface IntegrityProblem {
  kind: IntegrityProblemKind;
  /** Path relative to the history root. */
  file: string;
  detail: string;
}

export interface IntegrityReport {
  ok: boolean;
  /** Number of versions (meta files) examined. */
  checked: number;
  problems: IntegrityProblem[];
}

export interface ArchivedVersion {
  meta: VersionMeta;
  yaml: string;
}

export interface RetentionResult {
  archived: number;
  /** Absolute path of the archive written by this run, if any. */
  archive?: string;
  /** Old versions left in place on purpose (live or newest) or because they could not be read. */
  kept: Array<{ version_id: string; reason: string }>;
}

/** The history on disk contradicts itself: a card changed, a meta points at nothing, an archive is bad. */
export class HistoryIntegrityError extends Error {
  override readonly name = 'HistoryIntegrityError';
  constructor(
    readonly reason: string,
    /** Path relative to the history root (or the archive path). */
    readonly file: string,
  ) {
    super(`${reason} (${file})`);
  }
}

/** updateDeployment on a version id that has no meta file. */
export class VersionNotFoundError extends Error {
  override readonly name = 'VersionNotFoundError';
  constructor(
    readonly channel: string,
    readonly versionId: string,
  ) {
    super(`no version ${versionId} in channel ${channel}`);
  }
}

const isoDate = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO date-time');

const ChangeSchema = z.looseObject({
  parameter: z.string().min(1),
  cardPath: z.string().min(1),
  oldValue: z.number(),
  newValue: z.number(),
  changeType: z.enum(CHANGE_TYPES),
  rule: z.string(),
  rationale: z.string(),
  expectedImpact: z.record(z.string(), z.number()),
  confidence: z.number(),
});

const VerdictSchema = z.looseObject({
  decision: z.enum(['Proceed', 'Rollback', 'Inconclusive']),
  rule: z.string(),
  reason: z.string(),
});

export const DeploymentSchema = z.looseObject({
  status: z.enum(DEPLOYMENT_STATUSES),
  updated_at: isoDate,
  verdict: VerdictSchema.optional(),
  note: z.string().optional(),
});

const StoreInputShape = {
  parent: z.string().nullable(),
  source: z.enum(VERSION_SOURCES),
  changes: z.array(ChangeSchema),
  rationale: z.string(),
  cycle_id: z.string().optional(),
  deployment: DeploymentSchema,
};

/** What storeVersion accepts beside the YAML. */
export const StoreInputSchema = z.looseObject({ ...StoreInputShape, created_at: isoDate.optional() });

/** A meta JSON as read back from disk. Unknown keys are kept for newer writers. */
export const VersionMetaSchema = z.looseObject({
  ...StoreInputShape,
  version_id: z.string().min(1),
  channel: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  created_at: isoDate,
  card_file: z.string().min(1),
  card_bytes_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
