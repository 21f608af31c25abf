import type { Client } from '@temporalio/client';
import type { AutopilotConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import { SA_CHANNEL } from '../workflows/messages';
import { SA_STATE, configFlagSignal, governorWorkflowId } from '../workflows/governor-messages';
import type { autopilotGovernor } from '../workflows/governor';
import { governorSettings } from './settings';

export interface ConfigWatcherOptions {
  /** The live config (LiveConfig.get: re-reads the file when its mtime changes). */
  config: () => AutopilotConfig;
  client: Pick<Client, 'workflow'>;
  logger: Logger;
  /** Poll interval; at most 5 s so that a flip takes effect well within 30 s (9.1). */
  intervalMs?: number;
}

export interface PollResult {
  emergencyPause: boolean;
  signalled: string[];
  failed: string[];
}

/**
 * Watches `autopilot.emergency_pause` in autopilot.yaml and tells every channel's governor when it
 * flips (signal-with-start, so a missing governor is started). Each channel's last delivered value
 * is remembered: a failed delivery is retried on the next poll, a new channel gets the current
 * value. Several workers may each run one; the signal is idempotent.
 */
export class ConfigWatcher {
  private readonly delivered = new Map<string, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<PollResult> | null = null;
  private stopped = true;
  readonly intervalMs: number;

  constructor(private readonly opts: ConfigWatcherOptions) {
    this.intervalMs = Math.min(5000, Math.max(50, opts.intervalMs ?? 2000));
  }

  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    const tick = async () => {
      await this.pollOnce().catch((err) => this.opts.logger.error({ err: (err as Error).message }, 'config watcher poll failed'));
      if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
    };
    void tick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  /** One look at the config; signals the governors whose last delivered value differs. */
  pollOnce(): Promise<PollResult> {
    this.inFlight ??= this.poll().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async poll(): Promise<PollResult> {
    const c = this.opts.config();
    const value = c.autopilot.emergency_pause;
    const result: PollResult = { emergencyPause: value, signalled: [], failed: [] };
    for (const channel of c.channels) {
      const last = this.delivered.get(channel);
      // Nothing to say about a flag that was never set.
      if (last === value || (last === undefined && !value)) continue;
      try {
        await this.opts.client.workflow.signalWithStart<typeof autopilotGovernor, [{ emergencyPause: boolean }]>('autopilotGovernor', {
          workflowId: governorWorkflowId(channel),
          taskQueue: c.temporal.task_queue,
          args: [{ channel, settings: governorSettings(c) }],
          signal: configFlagSignal,
          signalArgs: [{ emergencyPause: value }],
          typedSearchAttributes: [
            { key: SA_CHANNEL, value: channel },
            { key: SA_STATE, value: 'running' },
          ],
        });
        this.delivered.set(channel, value);
        result.signalled.push(channel);
        this.opts.logger.warn({ channel, emergencyPause: value }, 'autopilot.emergency_pause changed: governor signalled');
      } catch (err) {
        result.failed.push(channel);
        this.opts.logger.error({ channel, err: (err as Error).message }, 'could not signal the governor; retrying on the next poll');
      }
    }
    return result;
  }
}
