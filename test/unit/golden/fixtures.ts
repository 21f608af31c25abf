import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import YAML from 'yaml';
import type { Alert, Alerter } from '../../../src/adapters/alerts';
import type { SelectionParams } from '../../../src/config/card';
import { openRuntime, type Runtime } from '../../../src/runtime';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const ENGINE = join(ROOT, 'test', 'fixtures', 'golden-engine.js');
export const PARAMS: SelectionParams = { method: 'gumbel_top_k', temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 };

/** The engine command for a fixture mode (`ok`, `ignore-top-k`, `slow:2000`, …). */
export const engineCommand = (mode: string) => `exec node ${JSON.stringify(ENGINE)} ${mode}`;

export class RecordingAlerter implements Alerter {
  readonly alerts: Alert[] = [];
  async raise(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
}

export interface TestRuntime {
  dir: string;
  rt: Runtime;
  alerts: RecordingAlerter;
  /** Everything the logger wrote, as text. */
  logText: () => string;
  configPath: string;
  cleanup: () => void;
}

/**
 * Real stores in a temp data dir, config from config/autopilot.yaml (patched), the example card
 * live, alerts recorded, logs captured.
 */
export function testRuntime(patch?: (raw: Record<string, any>) => void): TestRuntime {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-golden-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
  raw.channels = ['main'];
  raw.data_dir = join(dir, 'data');
  raw.simulator = { ...raw.simulator, enabled: false };
  patch?.(raw);
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));

  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  // No redaction here on purpose: a test that finds no token in this output proves the
  // activities never hand it to the logger at all (the root logger redacts it as well).
  const log = pino({ level: 'debug' }, sink);
  const rt = openRuntime(configPath, { logger: log, env: {} });
  const alerts = new RecordingAlerter();
  rt.deps.alerts = alerts;
  const cardPath = rt.deps.cards('main').path;
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), cardPath);
  return {
    dir,
    rt,
    alerts,
    configPath,
    logText: () => chunks.join(''),
    cleanup: () => {
      rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
