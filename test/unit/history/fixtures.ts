import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeType, ParameterChange } from '../../../src/domain/types';
import type { StoreVersionInput } from '../../../src/adapters/history';

export const CARD_YAML = `# Business Logic Card
policy_version: "2026.11.1"
env: dev
knobs:
  boost_bucket: music
  music_mood_focus: [focus]
  interstitials_ratio: 0.08
  plan_selection_bias: 0.0
selection:
  method: gumbel_top_k
  temperature: 0.7
  top_k: 8
  seed_strategy: slot_hash
exploration:
  epsilon: 0.05
`;

/** The test card with another temperature (a different sha256). */
export function cardWithTemperature(t: number): string {
  return CARD_YAML.replace('temperature: 0.7', `temperature: ${t}`);
}

export function change(
  parameter: string,
  oldValue: number,
  newValue: number,
  changeType: ChangeType = 'Optimization',
  rationale = 'entropy below target',
): ParameterChange {
  return {
    parameter,
    cardPath: `selection.${parameter}`,
    oldValue,
    newValue,
    changeType,
    rule: 'entropy_below_target',
    rationale,
    expectedImpact: { retention_5min: 0.01 },
    confidence: 0.8,
  };
}

export function input(over: Partial<StoreVersionInput> = {}): StoreVersionInput {
  return {
    parent: null,
    source: 'autopilot',
    changes: [],
    rationale: 'daily cycle',
    deployment: { status: 'pending', updated_at: '2026-11-03T10:15:00.000Z' },
    ...over,
  };
}

/** A fresh history root under the OS temp dir, removed by the returned cleanup. */
export function tempRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'vvtv-history-'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
