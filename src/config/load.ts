import { isAbsolute, relative, resolve, dirname, sep } from 'node:path';
import { AutopilotConfigSchema, CHANNEL_ID_RE, type AutopilotConfig } from './schema';
import { ValidationError, parseOrThrow } from './errors';
import { FileTooLargeError, parseYaml, readTextFile } from './files';

type Obj = Record<string, unknown>;
/** The section to write an override into; one that is not a mapping is left for the schema to report. */
const section = (c: Obj, key: string): Obj => {
  c[key] ??= {};
  const s = c[key];
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? (s as Obj) : {};
};
/** Environment variables that override the file (12-factor style deployment). */
const ENV_OVERRIDES: Array<[string, (c: Obj, v: string) => void]> = [
  ['TEMPORAL_ADDRESS', (c, v) => (section(c, 'temporal').address = v)],
  ['TEMPORAL_NAMESPACE', (c, v) => (section(c, 'temporal').namespace = v)],
  ['TEMPORAL_TASK_QUEUE', (c, v) => (section(c, 'temporal').task_queue = v)],
  ['TEMPORAL_UI_URL', (c, v) => (section(c, 'temporal').ui_url = v)],
  ['TEMPORAL_TLS_CA', (c, v) => (section(section(c, 'temporal'), 'tls').ca_file = v)],
  ['TEMPORAL_TLS_CERT', (c, v) => (section(section(c, 'temporal'), 'tls').cert_file = v)],
  ['TEMPORAL_TLS_KEY', (c, v) => (section(section(c, 'temporal'), 'tls').key_file = v)],
  ['TEMPORAL_TLS_SERVER_NAME', (c, v) => (section(section(c, 'temporal'), 'tls').server_name = v)],
  ['TEMPORAL_TLS', (c, v) => (section(section(c, 'temporal'), 'tls').enabled = v === 'true' || v === '1')],
  ['VVTV_DATA_DIR', (c, v) => (c.data_dir = v)],
  ['VVTV_METRICS_PORT', (c, v) => (c.metrics_port = Number(v))],
  // Webhook URLs often embed a secret: keep them out of the file.
  ['VVTV_ALERT_WEBHOOK_URL', (c, v) => (section(c, 'alerts').webhook_url = v)],
  ['VVTV_ALERTMANAGER_URL', (c, v) => (section(c, 'alerts').alertmanager_url = v)],
];

/** The environment variables the config loader reads (the compose file and docs are checked against them). */
export const ENV_OVERRIDE_NAMES: readonly string[] = ENV_OVERRIDES.map(([name]) => name);

export interface LoadedConfig {
  config: AutopilotConfig;
  /** Absolute path of the file it came from. */
  path: string;
}

/** Parses config text (YAML) with env overrides; errors name the field and what was expected. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = {}): AutopilotConfig {
  const raw = parseYaml(text, source);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(source, ['(root): expected a mapping']);
  const obj = raw as Obj;
  for (const [name, apply] of ENV_OVERRIDES) if (env[name]) apply(obj, env[name] as string);
  return parseOrThrow(AutopilotConfigSchema, obj, source);
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(path);
  let text: string;
  try {
    text = readTextFile(abs, 'config');
  } catch (err) {
    if (err instanceof FileTooLargeError) throw err;
    throw new ValidationError(abs, [`cannot read the file: ${(err as Error).message}`]);
  }
  const config = parseConfig(text, abs, env);
  // A relative data_dir is relative to the directory the process runs in (the project root).
  config.data_dir = resolve(config.data_dir);
  return { config, path: abs };
}

/**
 * Resolves a store path against the data dir and substitutes `{channel}`. The channel must be a
 * channel id (one path segment), and a relative path must stay inside the data dir: a
 * ValidationError naming the field otherwise.
 */
export function storePath(config: AutopilotConfig, p: string, channel?: string): string {
  if (channel !== undefined && !CHANNEL_ID_RE.test(channel))
    throw new ValidationError('store path', [`channel: expected a lowercase channel id (got ${JSON.stringify(channel)})`]);
  if (p.includes('\0')) throw new ValidationError('store path', [`path: expected a path without a NUL byte (got ${JSON.stringify(p)})`]);
  const withChannel = channel ? p.replaceAll('{channel}', channel) : p;
  if (isAbsolute(withChannel)) return withChannel;
  const dataDir = resolve(config.data_dir);
  const full = resolve(dataDir, withChannel);
  const rel = relative(dataDir, full);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new ValidationError('store path', [`path: ${JSON.stringify(p)} leads out of data_dir ${dataDir}`]);
  return full;
}

export function defaultConfigPath(): string {
  return process.env.VVTV_CONFIG ?? resolve(dirname(__dirname), '..', 'config', 'autopilot.yaml');
}
