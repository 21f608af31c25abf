/** What the live card decides for a cycle (readCard, `vvtvctl autopilot validate`). */
import { kpisFromCard } from '../domain/cycle';
import type { CurrentCard } from '../domain/records';
import type { KpiDef } from '../domain/types';
import { getPath, type Card } from './card';
import type { AutopilotConfig } from './schema';

export type CardTerms = Omit<CurrentCard, 'sha256' | 'versionId'>;

/**
 * The tuned values the card holds and the KPIs the cycle judges by. A parameter whose field is
 * absent is tuned from its value_when_absent, or else skipped this cycle; a value_when_absent that
 * contradicts VVTV's own default for the field is a config error (the bounds would start from a
 * value the planner does not use). Without config KPIs, the card's lists are the KPIs.
 * Problems are returned, not thrown: readCard refuses the card, `vvtvctl autopilot validate` lists them.
 */
export function cardTerms(
  config: Pick<AutopilotConfig, 'parameters' | 'kpis'>,
  card: Card,
  written: unknown,
): { terms: CardTerms; problems: string[] } {
  const values: Record<string, number> = {};
  const skipped: CurrentCard['skipped'] = [];
  const fromAbsent: string[] = [];
  const problems: string[] = [];
  for (const p of config.parameters) {
    const v = getPath(written, p.card_path);
    if (typeof v === 'number') {
      values[p.name] = v;
    } else if (v !== undefined && v !== null) {
      problems.push(`${p.card_path}: expected a number for parameter ${p.name}`);
    } else if (p.value_when_absent === undefined) {
      skipped.push({
        parameter: p.name,
        cardPath: p.card_path,
        reason: `${p.card_path} is not in the card and parameters.${p.name} has no value_when_absent`,
      });
    } else {
      const vvtv = getPath(card, p.card_path);
      if (typeof vvtv === 'number' && vvtv !== p.value_when_absent) {
        problems.push(
          `${p.card_path}: absent, so VVTV uses ${vvtv}, but parameters.${p.name}.value_when_absent says ${p.value_when_absent}`,
        );
      }
      values[p.name] = p.value_when_absent;
      fromAbsent.push(p.name);
    }
  }
  let kpis: KpiDef[] | undefined = config.kpis;
  if (!kpis) {
    const fromCard = kpisFromCard(card.kpis);
    problems.push(...fromCard.problems);
    kpis = fromCard.kpis;
  }
  return { terms: { values, skipped, fromAbsent, kpis, kpiSource: config.kpis ? 'config' : 'card' }, problems };
}
