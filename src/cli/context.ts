import type { Client } from '@temporalio/client';
import { ValidationError } from '../config/errors';
import type { AutopilotConfig } from '../config/schema';
import type { Runtime } from '../runtime';
import type { GovernorReading } from '../readmodel';

// Heavy modules are required by the command that first needs them, so help and parsing stay fast.
const configModule = () => require('../config/load') as typeof import('../config/load');
const runtimeModule = () => require('../runtime') as typeof import('../runtime');
const clientModule = () => require('../client') as typeof import('../client');

/** A governor that has not answered within this long reads as unreachable. */
const GOVERNOR_TIMEOUT_MS = 3000;

/** Opens what a command needs, lazily: the config, the stores (read-only use), a Temporal client. */
export class CliContext {
  private rt: Runtime | null = null;
  private cfg: AutopilotConfig | null = null;
  private client: Client | null = null;

  constructor(
    private readonly configOption: string | undefined,
    readonly json = false,
  ) {}

  /** --config, else $VVTV_CONFIG, else config/autopilot.yaml of this checkout. */
  get configPath(): string {
    return this.configOption ?? configModule().defaultConfigPath();
  }

  get runtime(): Runtime {
    if (!this.rt) {
      const pino = require('pino') as typeof import('pino');
      this.rt = runtimeModule().openRuntime(this.configPath, { logger: pino.pino({ level: 'silent' }) });
    }
    return this.rt;
  }

  /** The config alone (commands that only signal Temporal open no store). */
  get config(): AutopilotConfig {
    if (this.rt) return this.rt.live.get();
    this.cfg ??= configModule().loadConfig(this.configPath).config;
    return this.cfg;
  }

  channel(requested?: string): string {
    const channels = this.config.channels;
    const ch = requested ?? channels[0];
    if (!channels.includes(ch)) throw new ValidationError('--channel', [`expected one of ${channels.join(', ')}, got ${ch}`]);
    return ch;
  }

  async temporal(): Promise<Client> {
    if (!this.client) {
      const c = this.config.temporal;
      this.client = await clientModule()
        .connectClient(c, 5000)
        .catch((err) => {
          if (err instanceof ValidationError) throw err; // a bad TLS file or address: name the field, not the network
          // A TLS finding (certificate, server name, client certificate) already says what to fix.
          const outcome = (err as { report?: { outcome?: string } | null }).report?.outcome;
          if (outcome && !['refused', 'no_answer', 'handshake_ok', 'plain_ok'].includes(outcome)) throw err;
          throw new Error(`cannot reach Temporal at ${c.address} (${(err as Error).message}); is \`npm start\` or a worker stack running?`);
        });
    }
    return this.client;
  }

  /** The channel's governor, or why it cannot be asked (read-only commands still answer from the stores). */
  async governor(channel: string): Promise<GovernorReading> {
    let client: Client;
    try {
      client = await this.temporal();
    } catch (err) {
      return { state: 'unreachable', reason: (err as Error).message };
    }
    return clientModule().readGovernor(client, channel, GOVERNOR_TIMEOUT_MS);
  }

  /** Prints a value as JSON (--json) or through the formatter. */
  out<T>(value: T, text: (v: T) => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
    this.rt?.close();
  }
}
