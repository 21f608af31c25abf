import pino from 'pino';
import type { AutopilotConfig } from '../../../src/config/schema';
import { ConfigWatcher } from '../../../src/governor/config-watcher';
import { defaultConfig } from './fixtures';

function fakeClient(failFor: Set<string> = new Set()) {
  const calls: Array<{ workflowId: string; signalArgs: unknown[]; taskQueue: string; channel: string }> = [];
  const client = {
    workflow: {
      async signalWithStart(_type: string, o: any) {
        if (failFor.has(o.workflowId)) throw new Error('unavailable');
        calls.push({ workflowId: o.workflowId, signalArgs: o.signalArgs, taskQueue: o.taskQueue, channel: o.args[0].channel });
        return {};
      },
    },
  };
  return { client: client as never, calls };
}

describe('config watcher (9.1)', () => {
  let config: AutopilotConfig;
  beforeEach(() => {
    config = { ...defaultConfig(), channels: ['main', 'news'] };
  });
  const watcher = (client: never) =>
    new ConfigWatcher({ config: () => config, client, logger: pino({ level: 'silent' }), intervalMs: 100 });

  it("signals every channel's governor when emergency_pause flips, and only then (9.1)", async () => {
    const { client, calls } = fakeClient();
    const w = watcher(client);
    expect((await w.pollOnce()).signalled).toEqual([]);
    config = { ...config, autopilot: { ...config.autopilot, emergency_pause: true } };
    expect((await w.pollOnce()).signalled).toEqual(['main', 'news']);
    expect(calls.map((c) => [c.workflowId, c.signalArgs])).toEqual([
      ['autopilot-governor/main', [{ emergencyPause: true }]],
      ['autopilot-governor/news', [{ emergencyPause: true }]],
    ]);
    expect(calls[0].taskQueue).toBe(config.temporal.task_queue);
    expect((await w.pollOnce()).signalled).toEqual([]);
    config = { ...config, autopilot: { ...config.autopilot, emergency_pause: false } };
    expect((await w.pollOnce()).signalled).toEqual(['main', 'news']);
    expect(calls.slice(2).map((c) => c.signalArgs[0])).toEqual([{ emergencyPause: false }, { emergencyPause: false }]);
  });

  it('retries a channel whose signal failed on the next poll', async () => {
    const fail = new Set(['autopilot-governor/news']);
    const { client, calls } = fakeClient(fail);
    const w = watcher(client);
    config = { ...config, autopilot: { ...config.autopilot, emergency_pause: true } };
    expect(await w.pollOnce()).toMatchObject({ signalled: ['main'], failed: ['news'] });
    fail.clear();
    expect(await w.pollOnce()).toMatchObject({ signalled: ['news'], failed: [] });
    expect(calls.map((c) => c.channel)).toEqual(['main', 'news']);
  });

  it('polls on its own once started, at most every 5 s', async () => {
    const { client, calls } = fakeClient();
    const w = new ConfigWatcher({ config: () => config, client, logger: pino({ level: 'silent' }), intervalMs: 60_000 });
    expect(w.intervalMs).toBe(5000);
    const fast = watcher(client).start();
    config = { ...config, autopilot: { ...config.autopilot, emergency_pause: true } };
    for (let i = 0; i < 50 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await fast.stop();
    expect(calls.map((c) => c.channel)).toEqual(['main', 'news']);
  });
});
