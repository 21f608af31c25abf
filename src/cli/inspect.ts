import type { Command } from 'commander';
import { parseCard } from '../adapters/card-store';
import { completeBounds, validateChange } from '../domain/bounds';
import { getPath } from '../config/card';
import { loadConfig } from '../config/load';
import { ValidationError } from '../config/errors';
import { readFileSync } from 'node:fs';
import { table, type CliContext } from './context';

/** Read-only commands: status, history, show-cycle, bounds, validate, config. */
export function registerInspect(ap: Command, ctx: () => CliContext): void {
  ap.command('status')
    .description('current card, recent cycles, running canary and bounds of a channel')
    .option('-c, --channel <id>')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const { deps } = c.runtime;
      const card = deps.cards(ch).load();
      const values = Object.fromEntries(c.config.parameters.map((p) => [p.name, getPath(card.card, p.card_path)]));
      const cycles = deps.cycleLog.list(ch, 5);
      const canary = deps.canaryLog.list(ch, 1).find((k) => k.status === 'running') ?? null;
      const paused = c.config.autopilot.emergency_pause ? 'emergency_pause set in config' : !c.config.autopilot.enabled ? 'disabled in config' : null;
      c.out({ channel: ch, paused, card: { path: deps.cards(ch).path, sha256: card.sha256, values }, canary, cycles, bounds: deps.boundsStore.get(ch) }, (s) =>
        [
          `channel ${s.channel}: ${s.paused ? `PAUSED (${s.paused})` : 'running'}`,
          `card ${s.card.path}\n  sha256 ${s.card.sha256}\n  ${Object.entries(s.card.values).map(([k, v]) => `${k}=${v}`).join('  ')}`,
          `canary: ${s.canary ? `${s.canary.canary_id} since ${s.canary.started_at}, ${s.canary.checks.length} check(s)` : 'none running'}`,
          'recent cycles:',
          table(s.cycles.map((x) => ({ started: x.started_at, outcome: x.outcome ?? x.status, cycle: x.cycle_id }))),
          'bounds:',
          table(s.bounds.map((b) => ({ parameter: b.parameter, min: b.min, max: b.max, hard: `[${b.hardMin}, ${b.hardMax}]`, rollbacks: b.rollbackCount }))),
        ].join('\n'),
      );
    });

  ap.command('history')
    .description('card versions with their changes, rationale and deployment result (5.1)')
    .option('-c, --channel <id>')
    .option('-n, --limit <n>', 'versions to show', '20')
    .option('--parameter <name>', 'only versions changing this parameter')
    .option('--format <fmt>', 'table | json | csv', 'table')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const h = c.runtime.deps.history;
      const q = { limit: Number(o.limit), parameter: o.parameter };
      if (o.format === 'csv') return void process.stdout.write(h.exportCsv(ch, q));
      const { items, total } = h.list(ch, q);
      if (o.format === 'json' || c.json) return void process.stdout.write(`${JSON.stringify({ total, items }, null, 2)}\n`);
      process.stdout.write(
        `${table(items.map((v) => ({ version: v.version_id, source: v.source, status: v.deployment.status, changes: v.changes.map((x) => `${x.parameter} ${x.oldValue}→${x.newValue}`).join(', '), sha: v.sha256.slice(0, 12) })))}\n(${total} in all)\n`,
      );
    });

  ap.command('show-cycle <cycleId>')
    .description('every decision of one cycle with its evidence (8.4)')
    .option('-c, --channel <id>')
    .action(async (cycleId, o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const cycle = c.runtime.deps.cycleLog.get(cycleId);
      if (!cycle) throw new Error(`no cycle ${cycleId} in the state store`);
      const decisions = c.runtime.deps.auditLog.list(ch, { cycleId });
      c.out({ cycle, decisions }, (s) =>
        [
          `cycle ${s.cycle.cycle_id}: ${s.cycle.status} / ${s.cycle.outcome ?? '-'} (${s.cycle.started_at} → ${s.cycle.finished_at ?? 'running'})`,
          ...(s.cycle.error ? [`error: ${s.cycle.error}`] : []),
          ...s.decisions.map((d) => `\n[${d.at}] ${d.kind}: ${d.summary}\n${JSON.stringify(d.payload, null, 2)}`),
        ].join('\n'),
      );
    });

  ap.command('bounds')
    .description('current sliding bounds and their adjustment history (2.x)')
    .option('-c, --channel <id>')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const bounds = completeBounds(c.config.parameters, c.runtime.deps.boundsStore.get(ch), new Date().toISOString());
      const adjustments = c.runtime.deps.boundsStore.adjustments(ch, 20);
      c.out({ bounds, adjustments }, (s) => `${table(s.bounds.map((b) => ({ parameter: b.parameter, min: b.min, max: b.max, hardMin: b.hardMin, hardMax: b.hardMax, rollbacks: b.rollbackCount })))}\n\nadjustments:\n${table(s.adjustments.map((a) => ({ at: a.at, parameter: a.parameter, kind: a.kind, range: `[${a.new_min}, ${a.new_max}]`, rationale: a.rationale })))}`);
    });

  ap.command('validate')
    .description('validate the config and a card (syntax, constraints, current bounds) without changing anything (10.1)')
    .option('-c, --channel <id>')
    .option('--card <path>', 'card to check (default: the channel’s live card)')
    .action(async (o) => {
      const c = ctx();
      loadConfig(c.configPath); // throws with every problem named
      const ch = c.channel(o.channel);
      const path = o.card ?? c.runtime.deps.cards(ch).path;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new ValidationError(path, [`cannot read the card: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
      }
      const { card } = parseCard(text, path);
      const bounds = completeBounds(c.config.parameters, c.runtime.deps.boundsStore.get(ch), new Date().toISOString());
      const problems: string[] = [];
      for (const p of c.config.parameters) {
        const v = getPath(card, p.card_path);
        if (typeof v !== 'number') {
          problems.push(`${p.card_path}: expected a number`);
          continue;
        }
        const d = validateChange({ parameter: p.name, oldValue: Number.NaN, newValue: v }, p, bounds.find((b) => b.parameter === p.name)!, { referenceValue: v });
        problems.push(...d.rejections.filter((r) => r.rule === 'hard_limit' || r.rule === 'sliding_bounds' || r.rule === 'integer').map((r) => r.message));
      }
      c.out({ config: c.configPath, card: path, ok: problems.length === 0, problems }, (s) => (s.ok ? `OK: ${s.config} and ${s.card} are valid and within bounds` : `INVALID:\n  - ${s.problems.join('\n  - ')}`));
      if (problems.length) process.exitCode = 2;
    });

  ap.command('config')
    .description('show the effective config (file + environment overrides)')
    .action(async () => {
      const c = ctx();
      c.out(c.config, (cfg) => JSON.stringify(cfg, null, 2));
    });

  ap.command('report')
    .description('performance over a period: outcomes, deployment success (8.2), rollback rate (4.3), prediction error (4.1)')
    .option('-c, --channel <id>')
    .option('--days <n>', 'period', '30')
    .action(async (o) => {
      const c = ctx();
      const ch = c.channel(o.channel);
      const days = Number(o.days);
      if (!(days > 0)) throw new ValidationError('--days', [`expected a positive number, got ${o.days}`]);
      const from = new Date(Date.now() - days * 86_400_000).toISOString();
      const cycles = c.runtime.deps.cycleLog.list(ch, 100_000).filter((x) => x.started_at >= from);
      const byOutcome: Record<string, number> = {};
      for (const x of cycles) byOutcome[x.outcome ?? x.status] = (byOutcome[x.outcome ?? x.status] ?? 0) + 1;
      const promoted = byOutcome.promoted ?? 0;
      const rolledBack = byOutcome.rolled_back ?? 0;
      const errors = c.runtime.deps.metrics
        .window({ channel: ch, metricType: 'autopilot_pred_vs_real_error', from, to: new Date(Date.now() + 1).toISOString() })
        .map((p) => p.value)
        .sort((a, b) => a - b);
      const p50 = errors.length ? errors[Math.floor((errors.length - 1) / 2)] : null;
      const r = {
        channel: ch, days, cycles: cycles.length, byOutcome,
        deploymentSuccess: promoted + rolledBack ? promoted / (promoted + rolledBack) : null,
        rollbackRate: promoted + rolledBack ? rolledBack / (promoted + rolledBack) : null,
        predictionErrorP50: p50, predictionErrors: errors.length,
        targets: { deploymentSuccessAbove: 0.9, rollbackRateBelow: 0.05, predictionErrorP50Below: 0.2 },
      };
      const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
      c.out(r, (x) =>
        [
          `${x.channel}, last ${x.days} days: ${x.cycles} cycle(s)  ${Object.entries(x.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ')}`,
          `deployment success ${pct(x.deploymentSuccess)} (target > 90 %, 8.2)   rollback rate ${pct(x.rollbackRate)} (target < 5 %, 4.3)`,
          `prediction error p50 ${pct(x.predictionErrorP50)} over ${x.predictionErrors} canar${x.predictionErrors === 1 ? 'y' : 'ies'} (target < 20 %, 4.1)`,
        ].join('\n'),
      );
    });
}
