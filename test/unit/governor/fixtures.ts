import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load';
import { governorSettings } from '../../../src/governor/settings';
import type { GovernorSettings } from '../../../src/domain/governor';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** The shipped config/autopilot.yaml, parsed. */
export const defaultConfig = () =>
  parseConfig(readFileSync(join(__dirname, '..', '..', '..', 'config', 'autopilot.yaml'), 'utf8'), 'autopilot.yaml');

/** Governor settings from the shipped config (real durations), with field overrides. */
export const settings = (o: Partial<GovernorSettings> = {}): GovernorSettings => governorSettings(defaultConfig(), o);

/** A fixed clock: 2025-06-15T12:00:00Z. */
export const T0 = Date.parse('2025-06-15T12:00:00.000Z');
export const at = (ms: number) => new Date(ms).toISOString();
