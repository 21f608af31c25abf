import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from '../support/harness';
import { canaryStatus, startCycle } from '../../src/client';
import { canaryDecisionSignal, canaryWorkflowId } from '../../src/workflows/messages';
import type { CurrentCard } from '../../src/domain/records';
import { expectOutcome } from '../support/outcome';

const FAST = { durationMs: 12_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };
const WAIT_FOR_OPERATOR = { durationMs: 60_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 60_000 };
const VVTV_STYLE = readFileSync(join(__dirname, '../fixtures/cards/vvtv-style.yaml'), 'utf8');

describe("a card in VVTV's schema on a real Temporal server (10.1, 10.5)", () => {
  // No KPIs in the config: the card's kpis.primary / kpis.secondary are the KPIs. A wide
  // non-inferiority margin keeps the verdict about the card, not about the simulator's noise.
  const h = new Harness({
    cardYaml: VVTV_STYLE,
    slotsPerSecond: 400,
    patchConfig: (raw) => {
      delete raw.kpis;
      raw.canary.non_inferiority_margin = 0.5;
    },
  });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('promotes a temperature change: only that line of the card differs, comments and the unknown section intact', async () => {
    h.startSimulator();
    const before = readFileSync(h.cards.path, 'utf8');
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      canary: WAIT_FOR_OPERATOR,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      reason: 'test',
    });
    // The promotion is the operator's (3.4), sent before the first check: the test is about the
    // card's bytes, not the judge's verdict (temperature 0.6 does raise the curator budget, which
    // the variance-reduced judge finds at its first look and would roll back).
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    for (let i = 0; i < 600; i++) {
      const st = await canaryStatus(h.client, canaryId).catch(() => null);
      if (st) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await h.client.workflow
      .getHandle(canaryId)
      .signal(canaryDecisionSignal, { decision: 'proceed', by: 'test', reason: 'card bytes test' });
    const r = await handle.result();
    expectOutcome(r, 'promoted');

    const after = readFileSync(h.cards.path, 'utf8');
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    const differing = a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]]]));
    expect(differing).toEqual([
      ['  temperature: 0.5               # tuned by the autopilot', '  temperature: 0.6               # tuned by the autopilot'],
    ]);
    expect(h.cards.load().card).toMatchObject({ house_rules: { owner: 'ops@example.org' }, selection: { seed_strategy: 'slot_hash' } });

    // The card has no top_k and the config gives no value_when_absent: top_k is skipped, not an error.
    const card = h.rt.deps.cycleLog.get(r.cycleId)!.report.card as CurrentCard;
    expect(Object.keys(card.values).sort()).toEqual(['epsilon', 'plan_selection_bias', 'temperature']);
    expect(card.skipped).toEqual([expect.objectContaining({ parameter: 'top_k', cardPath: 'selection.top_k' })]);
    expect(card.kpiSource).toBe('card');
    expect(card.kpis.map((k) => [k.name, k.role, k.goal])).toEqual([
      ['selection_entropy', 'primary', 'maximize'],
      ['curator_apply_budget_used_pct', 'guardrail', 'minimize'],
    ]);
    // The canary judges these same KPIs (its input is the cycle's settings).
    const started = (await h.client.workflow.getHandle(canaryId).fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    const canaryInput = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8')) as { kpis: Array<{ name: string }> };
    expect(canaryInput.kpis.map((k) => k.name)).toEqual(['selection_entropy', 'curator_apply_budget_used_pct']);
  });

  it('refuses an operator change to a parameter the card does not contain', async () => {
    const r = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: FAST,
        changes: [{ parameter: 'top_k', value: 9 }],
        reason: 'test',
      })
    ).result();
    expect(r.outcome).toBe('invalid_input');
    expect(r.message).toMatch(/changes\.top_k: not tuned this cycle \(selection\.top_k is not in the card/);
  });
});
