/** `report --html <file>`: the operator report as one self-contained HTML page, written atomically. */
import { resolve } from 'node:path';
import { writeFileAtomicSync } from '../adapters/fs-atomic';
import { htmlReportData } from '../readmodel';
import { renderHtmlReport } from '../readmodel/html';
import type { CliContext } from './context';

export async function htmlReport(c: CliContext, o: { channel?: string; days: string; html: string }): Promise<void> {
  const ch = c.channel(o.channel);
  const days = Number(o.days);
  const data = htmlReportData(c.runtime.deps, await c.governor(ch), ch, days);
  const file = resolve(o.html);
  try {
    writeFileAtomicSync(file, renderHtmlReport(data));
  } catch (err) {
    throw new Error(`cannot write the report to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const written = { file, channel: ch, days, cycles: data.cycles.length, canaries: data.canaries.length, events: data.events.length };
  c.out(
    written,
    (w) => `wrote ${w.file}: ${w.channel}, last ${w.days} days, ${w.cycles} cycle(s), ${w.canaries} canary(ies), ${w.events} event(s)`,
  );
}
