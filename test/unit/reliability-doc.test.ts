import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FAULTS = join(ROOT, 'test', 'faults');
const doc = readFileSync(join(ROOT, 'docs', 'reliability.md'), 'utf8');

/** `file › "title"` of each row of the fault table. */
const rows = doc
  .split('\n')
  .filter((l) => l.startsWith('|') && !/^\|\s*(fault|-)/.test(l))
  .map((l) => {
    const m = /`([\w.-]+\.test\.ts)` › "([^"]+)"\s*\|\s*$/.exec(l);
    return m ? { file: m[1], title: m[2] } : { file: '', title: l };
  });

/** `it('title', …)` titles of each fault test file. */
const tests = readdirSync(FAULTS)
  .filter((f) => f.endsWith('.test.ts'))
  .flatMap((file) =>
    [...readFileSync(join(FAULTS, file), 'utf8').matchAll(/\bit(?:\.each\([^)]*\))?\(\s*(['"`])((?:(?!\1).)+)\1/g)].map((m) => ({
      file,
      title: m[2],
    })),
  );

describe('docs/reliability.md, the fault table', () => {
  it('has rows, and the fault tests have tests', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(tests.length).toBeGreaterThanOrEqual(10);
  });

  it('names, in each row, a fault test that exists', () => {
    const missing = rows.filter((r) => !tests.some((t) => t.file === r.file && t.title === r.title));
    expect(missing).toEqual([]);
  });

  it('has a row for each fault test', () => {
    const without = tests.filter((t) => !rows.some((r) => r.file === t.file && r.title === t.title));
    expect(without).toEqual([]);
  });
});
