import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { run } from '../../support/cli';

const ROOT = join(__dirname, '../../..');

function setup(): { configPath: string; cardPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-cli-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  return { configPath, cardPath };
}

describe('vvtvctl autopilot (9.1, 9.4)', () => {
  it('validate accepts the example card and refuses one outside the hard limits, naming the parameter (10.1)', async () => {
    const { configPath, cardPath } = setup();
    const ok = await run(['--config', configPath, 'autopilot', 'validate']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: /);
    writeFileSync(cardPath, readFileSync(cardPath, 'utf8').replace('temperature: 0.5', 'temperature: 1.9'));
    const bad = await run(['--config', configPath, '--json', 'autopilot', 'validate']);
    expect(bad.code).toBe(2);
    const body = JSON.parse(bad.out);
    expect(body.ok).toBe(false);
    expect(body.problems).toEqual(['temperature=1.9 is outside the sliding bounds [0.3, 1.5]']);
  });

  it('status shows the live card values and the bounds', async () => {
    const { configPath } = setup();
    const r = await run(['--config', configPath, '--json', 'autopilot', 'status']);
    const s = JSON.parse(r.out);
    expect(s.card.values).toEqual({ temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 });
    expect(s.paused).toBeNull();
  });
});
