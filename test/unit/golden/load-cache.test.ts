import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGoldenPath, loadGoldenSets } from '../../../src/golden';

/** Every cycle loads the golden sets again: an unchanged file is not parsed twice, an edited one always is. */
describe('golden set loading reuses what it parsed, by content', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vvtv-golden-load-'));
    file = join(dir, 'set.yaml');
    copyFileSync(join(defaultGoldenPath(), 'default.yaml'), file);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the same frozen set for an unchanged file', () => {
    const [a] = loadGoldenSets(dir);
    const [b] = loadGoldenSets(dir);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a!.cases as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('parses an edited file again (same path, new content) and reports a broken edit', () => {
    const [before] = loadGoldenSets(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^name: (.*)$/m, 'name: edited-set'));
    const [after] = loadGoldenSets(file);
    expect(after).not.toBe(before);
    expect(after!.name).toBe('edited-set');
    expect(before!.name).not.toBe('edited-set');
    writeFileSync(file, text.replace(/^name: .*$/m, 'name: [unclosed'));
    expect(() => loadGoldenSets(file)).toThrow(/set\.yaml/);
  });
});
