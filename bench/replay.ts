/**
 * The offline replay a cycle runs before proposing (issue 12): the worker's own
 * `loadOfflineEvidence` activity on a real JSONL slot log that the simulator wrote for the live
 * card over the last 24 h, with the shipped config's `optimizer.replay` settings (300 slots, single
 * moves and one-step pairs). Prints one JSON object. Not part of `npm test`.
 *
 *   npx tsx bench/replay.ts [--slots=2400] [--runs=3] [--joint=1]
 *
 * Keys: loggedSlots (records in the log), replayedSlots, moves, evidenceMs (median of the runs: read
 * the log, prepare the slots, replay every move), heapMb and rssMb after the runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { quantile } from 'simple-statistics';
import { parse, stringify } from 'yaml';
import { createAnalysisActivities } from '../src/activities/analysis';
import type { Deps } from '../src/activities';
import { CardStore } from '../src/adapters/card-store';
import { JsonlSlotLog } from '../src/adapters/slot-log';
import { parseConfig } from '../src/config';
import { Simulator } from '../src/simulator';
import { cardOf } from './dq/world';
import { benchOptions } from './options';

const ROOT = join(__dirname, '..');
const HOUR_MS = 3_600_000;

async function main(): Promise<void> {
  const opt = benchOptions('VVTV_BENCH_REPLAY');
  const slots = opt.num('slots', 2400);
  const runs = opt.num('runs', 3);
  const joint = opt.num('joint', 1) !== 0;
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-replay-bench-'));
  try {
    const shipped = parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    const config = parseConfig(
      stringify({
        ...shipped,
        data_dir: dir,
        stores: { ...shipped.stores, slot_log: 'slots-{channel}.jsonl' },
        optimizer: { ...shipped.optimizer, replay: { ...(shipped.optimizer?.replay as object), joint_moves: joint } },
      }),
      'bench',
    );
    const current = { temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 };
    const live = cardOf(config.parameters, current);
    const cards = new CardStore(join(dir, 'card.yaml'));
    writeFileSync(cards.path, stringify(live));

    // The last 24 h of the live card, logged as the planner hook would (every slot).
    const now = new Date();
    const perHour = Math.max(1, Math.ceil(slots / 24));
    const log = new JsonlSlotLog(join(dir, 'slots-main.jsonl'));
    const sim = new Simulator({
      channel: 'main',
      seed: 7,
      slotsPerHour: perHour,
      source: () => ({ card: live, cardSha: 'live', overlay: null }),
      sink: { insert: () => undefined },
      slotLog: log,
      slotLogShare: 1,
    });
    for (let h = 24; h >= 1; h--) sim.runSlots(perHour, new Date(now.getTime() - h * HOUR_MS));

    const acts = createAnalysisActivities({
      config: () => config,
      logger: pino({ level: 'silent' }),
      now: () => now,
      cards: () => cards,
    } as unknown as Deps);
    const args = { channel: 'main', params: config.parameters, kpis: config.kpis!.map((k) => k.name), current };
    const ms: number[] = [];
    let evidence: Awaited<ReturnType<typeof acts.loadOfflineEvidence>> = null;
    for (let r = 0; r < runs; r++) {
      const t = process.hrtime.bigint();
      evidence = await acts.loadOfflineEvidence(args);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    if (!evidence) throw new Error('the replay found no logged slot of the live card');
    if (evidence.mismatched > 0) throw new Error(`${evidence.mismatched} logged slots not reproduced by the engine`);
    const mem = process.memoryUsage();
    const result = {
      loggedSlots: perHour * 24,
      replayedSlots: evidence.slots,
      moves: evidence.moves.length,
      evidenceMs: Math.round(quantile(ms, 0.5)),
      runs,
      heapMb: Math.round(mem.heapUsed / 2 ** 20),
      rssMb: Math.round(mem.rss / 2 ** 20),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
