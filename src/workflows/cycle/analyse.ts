import { tunedParams } from '../../domain/cycle';
import type { WindowAnalysis } from '../../domain/types';
import { decide, type CycleContext, type CycleEnd } from './context';

/**
 * Step 1 (1.1, 10.1): read the live card, analyse the last 24 h. The card decides what the cycle
 * works with: only the parameters it contains are tuned (the others are listed as skipped in the
 * report), and its KPIs apply when the config names none. A paused channel stops here: it keeps
 * monitoring (the analysis is recorded) but changes nothing (9.2).
 */
export async function analyse(ctx: CycleContext): Promise<WindowAnalysis | CycleEnd> {
  const { acts, channel } = ctx;
  ctx.phase = 'reading_card';
  ctx.card = await acts.readCard({ channel });
  ctx.report.card = ctx.card;
  ctx.settings = { ...ctx.settings, params: tunedParams(ctx.settings.params, ctx.card.values), kpis: ctx.card.kpis };
  const { settings } = ctx;

  ctx.phase = 'analysing';
  const analysis = await acts.analyzeMetrics({
    channel,
    windowHours: settings.windowHours,
    minSamples: settings.minSamples,
    kpis: settings.kpis,
    previousDays: 7,
  });
  ctx.report.analysis = analysis;
  await decide(ctx, 'analysis', analysis.usable ? 'window analysed' : 'window analysed: data not usable', analysis);

  if (settings.paused.paused) return { end: 'skipped_paused', message: `paused: ${settings.paused.reason}` };
  return analysis;
}
