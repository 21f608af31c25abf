import pino from 'pino';

/**
 * The one root logger. Secrets are redacted by configuration, so a token passed in a
 * log object never reaches the output.
 */
export const logger = pino({
  name: 'vvtv-autopilot',
  level: process.env.LOG_LEVEL ?? 'info',
  redact: {
    paths: [
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
    ],
    censor: '[redacted]',
  },
});

export type Logger = pino.Logger;
