import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { defaultConfigPath } from '../config/load';
import { openRuntime, type Runtime } from '../runtime';

/** Opens what a command needs, lazily: the stores (read-only use) and a Temporal client. */
export class CliContext {
  private rt: Runtime | null = null;
  private client: Client | null = null;

  constructor(
    readonly configPath: string = defaultConfigPath(),
    readonly json = false,
  ) {}

  get runtime(): Runtime {
    this.rt ??= openRuntime(this.configPath, { logger: pino({ level: 'silent' }) });
    return this.rt;
  }

  get config() {
    return this.runtime.live.get();
  }

  channel(requested?: string): string {
    const channels = this.config.channels;
    const ch = requested ?? channels[0];
    if (!channels.includes(ch)) throw new Error(`--channel: expected one of ${channels.join(', ')}, got ${ch}`);
    return ch;
  }

  async temporal(): Promise<Client> {
    if (!this.client) {
      const c = this.config.temporal;
      const connection = await Connection.connect({ address: c.address, connectTimeout: 5000 }).catch((err) => {
        throw new Error(`cannot reach Temporal at ${c.address} (${(err as Error).message}); is \`npm start\` or a worker stack running?`);
      });
      this.client = new Client({ connection, namespace: c.namespace });
    }
    return this.client;
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

/** A minimal fixed-width table. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}
