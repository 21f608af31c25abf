/**
 * `vvtvctl autopilot check-integration`: does the live planner meet what the configured canary
 * mode needs (docs/vvtv-integration.md)? Reads the channel's metrics database read-only; with
 * `--probe` (overlay mode) it also writes a harmless overlay — the live card itself, so viewers
 * see no change — and checks that the planner tags its rows as the overlay contract says.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsUnavailableError, type MetricsInspection } from '../adapters/metrics-store';
import { cardTerms } from '../config/card-terms';
import { storedMetricType } from '../domain/metric-names';
import type { KpiDef } from '../domain/types';
import type { CliContext } from './context';

type Status = 'pass' | 'warn' | 'fail';
interface Check {
  check: string;
  status: Status;
  detail: string;
}

export async function checkIntegration(
  c: CliContext,
  o: { channel?: string; minutes: number; probe?: boolean; probeSeconds: number; probeShare: number },
): Promise<void> {
  const ch = c.channel(o.channel);
  const cfg = c.config;
  const { deps } = c.runtime;
  const checks: Check[] = [];
  const add = (check: string, status: Status, detail: string) => checks.push({ check, status, detail });
  const since = () => new Date(Date.now() - o.minutes * 60_000).toISOString();

  const store = deps.cards(ch);
  let live: ReturnType<typeof store.load> | null = null;
  try {
    live = store.load();
    add('card', 'pass', `${store.path} (sha ${live.sha256.slice(0, 12)})`);
  } catch (err) {
    add('card', 'fail', (err as Error).message);
  }
  const kpis: KpiDef[] = live ? cardTerms(cfg, live.card, live.written).terms.kpis : (cfg.kpis ?? []);

  let seen: MetricsInspection | null = null;
  try {
    seen = deps.metrics.inspect(ch, since());
    add('metrics database', 'pass', `${seen.path}: ${seen.rows} row(s) in the last ${o.minutes} min, opened read-only`);
  } catch (err) {
    add('metrics database', 'fail', err instanceof MetricsUnavailableError ? err.message : String(err));
  }
  if (seen) {
    for (const k of kpis) {
      const type = storedMetricType(k);
      const n = seen.metricTypes[type] ?? 0;
      const present = Object.keys(seen.metricTypes).join(', ') || 'none';
      add(
        `rows of ${k.name}`,
        n > 0 ? 'pass' : 'fail',
        n > 0 ? `${n} row(s) of metric_type ${type}` : `no rows of metric_type ${type} (present: ${present})`,
      );
    }
    add(
      'timestamps',
      seen.otherTimestamps.length === 0 ? 'pass' : 'warn',
      seen.otherTimestamps.length === 0
        ? `${seen.vvtvTimestamps} in chrono's rfc3339 form (+00:00)`
        : `${seen.rows - seen.vvtvTimestamps} not in the +00:00 form, e.g. ${seen.otherTimestamps.join(', ')}: range queries assume it`,
    );
    add(
      'contexts',
      seen.contexts.invalid === 0 ? 'pass' : 'warn',
      `${seen.contexts.object} JSON object(s), ${seen.contexts.null} null, ${seen.contexts.invalid} not JSON` +
        ' (left out of group and channel filters)',
    );
    // The planner says which temperature it played: it must be the live card's (reloads work).
    const played = (seen.latest['selectionentropy']?.context ?? null) as { temperature?: unknown } | null;
    if (live && played && typeof played.temperature === 'number') {
      const same = Math.abs(played.temperature - live.card.selection.temperature) < 1e-9;
      add(
        'planner plays the live card',
        same ? 'pass' : 'fail',
        same
          ? `its newest selection row used temperature ${played.temperature}, as the card says`
          : `its newest selection row used temperature ${played.temperature}, the card says ${live.card.selection.temperature}:` +
              ' does the planner reload the card (stores.reload_command)?',
      );
    } else add('planner plays the live card', 'warn', 'no selection row with a temperature in its context to compare');
  }

  if (cfg.canary.mode === 'switchback') {
    add(
      'switchback',
      cfg.stores.reload_command ? 'pass' : 'warn',
      cfg.stores.reload_command
        ? `the card is rewritten per block and reloaded with: ${cfg.stores.reload_command}`
        : 'no stores.reload_command: the planner must pick up card writes on its own within the wash-out',
    );
  } else if (!o.probe) {
    add('overlay contract', 'warn', 'not probed: run with --probe to check that the planner plays the overlay and tags its rows');
  } else if (live && seen) {
    await probeOverlay(c, ch, live, o, add);
  }

  const failed = checks.some((x) => x.status === 'fail');
  c.out({ channel: ch, mode: cfg.canary.mode, ok: !failed, checks }, (v) =>
    [
      `${v.ok ? 'OK' : 'NOT READY'}: channel ${v.channel}, canary mode ${v.mode}`,
      ...v.checks.map((x) => `  ${x.status.toUpperCase().padEnd(4)} ${x.check}: ${x.detail}`),
    ].join('\n'),
  );
  if (failed) process.exitCode = 1;
}

/** Overlay contract: an overlay of the live card itself; rows must come back tagged, in both groups, at about the share. */
async function probeOverlay(
  c: CliContext,
  ch: string,
  live: { card: unknown; sha256: string },
  o: { probeSeconds: number; probeShare: number },
  add: (check: string, status: Status, detail: string) => void,
): Promise<void> {
  const store = c.runtime.deps.cards(ch);
  if (store.readOverlay()) return add('overlay contract', 'fail', 'a canary overlay is in place: probe when no canary runs');
  const probeId = `probe-${Date.now()}`;
  const startedAt = new Date().toISOString();
  process.stderr.write(`probing the overlay contract for ${o.probeSeconds} s (overlay ${probeId}, the live card itself) …\n`);
  try {
    await store.writeOverlay({
      canary_id: probeId,
      channel: ch,
      traffic_percentage: o.probeShare,
      started_at: startedAt,
      card_sha: live.sha256,
      card: live.card as never,
    });
    await sleep(o.probeSeconds * 1000);
  } finally {
    await store.removeOverlay();
  }
  const seen = c.runtime.deps.metrics.inspect(ch, startedAt);
  const canary = seen.groups['canary'] ?? 0;
  const control = seen.groups['control'] ?? 0;
  const tagged = seen.canaryIds.includes(probeId);
  if (!tagged || canary === 0 || control === 0)
    return add('overlay contract', 'fail', `rows during the probe: ${canary} canary, ${control} control, probe id seen: ${tagged}`);
  // One slot writes one row per metric type: the ratio test counts slots, not rows.
  const perSlot = Math.max(1, Object.keys(seen.metricTypes).length);
  const n = (canary + control) / perSlot;
  const sd = Math.sqrt(n * o.probeShare * (1 - o.probeShare));
  const off = Math.abs(canary / perSlot - n * o.probeShare) / Math.max(sd, 1e-9);
  const taggedRows = canary + control;
  const paired = Object.entries(seen.pairedTags);
  const missing = paired.filter(([, n]) => n < taggedRows).map(([t, n]) => `${t} on ${n} of ${taggedRows}`);
  add(
    'paired overlay (optional)',
    missing.length === 0 ? 'pass' : 'warn',
    missing.length === 0
      ? `every tagged row carries ${paired.map(([t]) => t).join(', ')}: canaries are judged on triggered slots with both predictions`
      : `${missing.join(', ')} tagged rows: the judge adjusts for what is there (daypart at least); see overlay contract item 5`,
  );
  add(
    'overlay contract',
    off <= 4 ? 'pass' : 'fail',
    `${canary} of ${canary + control} rows tagged canary (${((100 * canary) / (canary + control)).toFixed(1)} %,` +
      ` expected ${(100 * o.probeShare).toFixed(0)} %: ${off.toFixed(1)} sd off)`,
  );
}
