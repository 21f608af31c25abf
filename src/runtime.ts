import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { CardSnapshot } from './simulator/types';
import { CardStore } from './adapters/card-store';
import { HistoryStore } from './adapters/history';
import { SqliteMetricsStore } from './adapters/metrics-store';
import { SqliteStateStore } from './adapters/state-store';
import { createAlerter, type Alerter } from './adapters/alerts';
import type { Deps } from './activities';
import type { AuditLog, StatePorts } from './domain/ports';
import { LiveConfig } from './config/live';
import { storePath } from './config/load';
import { logger as rootLogger, type Logger } from './observability/logger';

export interface Runtime {
  live: LiveConfig;
  deps: Deps;
  close(): void;
}

/** Opens the stores named by the config file: what a worker (or a test) needs to run activities. */
export function openRuntime(configPath: string, opts: { logger?: Logger; env?: NodeJS.ProcessEnv } = {}): Runtime {
  const log = opts.logger ?? rootLogger;
  const live = new LiveConfig(configPath, log, opts.env ?? process.env);
  const config = live.get();
  // VVTV's metrics database(s), read-only; the path and the channel key follow live config edits.
  const metrics = new SqliteMetricsStore({
    pathFor: (channel) => storePath(live.get(), live.get().stores.metrics_db, channel),
    get channelKey() {
      return live.get().stores.metrics_channel_key ?? null;
    },
  });
  const state = new SqliteStateStore(storePath(config, config.stores.state_db));
  const history = new HistoryStore(storePath(config, config.stores.history_dir));
  const cards = new Map<string, CardStore>();
  const deps: Deps = {
    config: () => live.get(),
    metrics,
    ...ports(state),
    history,
    alerts: recordingAlerter(
      createAlerter(() => live.get(), log),
      state.auditLog,
    ),
    logger: log,
    cards: (channel) => {
      const c = live.get();
      const path = storePath(c, c.stores.card_path, channel);
      let store = cards.get(channel);
      if (!store || store.path !== path) {
        store = new CardStore(path, c.stores.reload_command, channel);
        cards.set(channel, store);
      }
      return store;
    },
  };
  return {
    live,
    deps,
    close() {
      metrics.close();
      state.close();
    },
  };
}

/** Every alert, whoever raises it, is first stored in the audit log (decisions, kind `alert`). */
function recordingAlerter(inner: Alerter, audit: AuditLog): Alerter {
  return {
    async raise(alert) {
      audit.record({
        channel: alert.channel,
        cycle_id: alert.cycleId ?? null,
        at: new Date().toISOString(),
        kind: 'alert',
        summary: alert.summary,
        payload: alert,
      });
      await inner.raise(alert);
    },
  };
}

/** The state store's ports, each one an interface (Deps depends on these, not on SQLite). */
function ports(s: SqliteStateStore): StatePorts {
  return {
    cycleLog: s.cycleLog,
    canaryLog: s.canaryLog,
    auditLog: s.auditLog,
    boundsStore: s.boundsStore,
    driftLog: s.driftLog,
    triageLog: s.triageLog,
  };
}

export const workflowsPath = join(__dirname, 'workflows', 'index.ts');

/**
 * What the planner (simulator) plays, read from the card files the way VVTV's planner reloads
 * them: re-parsed only when a file's mtime changes. A card that fails to parse keeps the last
 * good one in force (the planner never stops on a bad file).
 */
export function cardSource(store: CardStore): () => CardSnapshot {
  let key = '';
  let snap: CardSnapshot | null = null;
  return () => {
    const k = `${mtime(store.path)}|${mtime(store.overlayPath)}`;
    if (k !== key || !snap) {
      try {
        const live = store.load();
        const ov = store.readOverlay();
        snap = {
          card: live.card,
          cardSha: live.sha256,
          overlay: ov ? { canary_id: ov.canary_id, traffic_percentage: ov.traffic_percentage, card: ov.card, card_sha: ov.card_sha } : null,
        };
        key = k;
      } catch (err) {
        if (!snap) throw err;
      }
    }
    return snap;
  };
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
