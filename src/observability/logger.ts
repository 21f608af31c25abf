import pino from 'pino';

/** Log paths whose values are secrets; pino replaces them with `[redacted]`. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'bypass_token',
  '*.bypass_token',
  'password',
  '*.password',
];

/**
 * A logger with the service's configuration: its name, its level and the redaction of secrets.
 * Secrets are redacted by configuration, so a token passed in a log object never reaches the
 * output. `destination` is where the lines go (stdout by default; tests capture them).
 */
export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): pino.Logger {
  const options: pino.LoggerOptions = {
    name: 'vvtv-autopilot',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** The one root logger. */
export const logger = createLogger();

export type Logger = pino.Logger;
