import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardStore, applyToCardYaml, cardSha256, parseCard } from '../../../src/adapters/card-store';
import { ValidationError } from '../../../src/config/errors';

const EXAMPLE = readFileSync(join(__dirname, '../../../config/business_logic.example.yaml'), 'utf8');
const tmp = () => mkdtempSync(join(tmpdir(), 'vvtv-card-'));

describe('business logic card (10.1-10.5)', () => {
  it('hashes the canonical card: formatting and comments do not change the SHA256, values do', () => {
    const a = parseCard(EXAMPLE, 'a').card;
    const b = parseCard(EXAMPLE.replace(/#.*$/gm, '').replace('env: dev', 'env:   dev'), 'b').card;
    expect(cardSha256(a)).toBe(cardSha256(b));
    expect(cardSha256(a)).toMatch(/^[0-9a-f]{64}$/);
    const c = applyToCardYaml(EXAMPLE, [{ cardPath: 'selection.temperature', value: 0.6 }], 'c');
    expect(c.sha256).not.toBe(cardSha256(a));
  });

  it('rewrites a tuned value keeping comments, key order and unknown keys (10.5)', () => {
    const r = applyToCardYaml(EXAMPLE, [{ cardPath: 'knobs.plan_selection_bias', value: 0.05 }], 'x');
    expect(r.card.knobs.plan_selection_bias).toBe(0.05);
    expect(r.yaml).toMatch(/max_repeat_per_day: 3 +# not read by VVTV's card type; kept as is/);
    expect(r.yaml).toContain('# VVTV Business Logic Card');
    expect(r.yaml.split('\n').length).toBe(EXAMPLE.split('\n').length);
    expect(r.yaml.indexOf('policy_version')).toBeLessThan(r.yaml.indexOf('selection:'));
  });

  it('refuses an invalid value naming the field, and a path that is not in the card', () => {
    expect(() => applyToCardYaml(EXAMPLE, [{ cardPath: 'selection.top_k', value: 0 }], 'card')).toThrow(/selection\.top_k: /);
    expect(() => applyToCardYaml(EXAMPLE, [{ cardPath: 'nosuch.section', value: 1 }], 'card')).toThrow(/nosuch\.section: no such section/);
    expect(() => parseCard('policy_version: [', 'card')).toThrow(ValidationError);
  });

  it('never writes an invalid card: the current one stays byte-identical (10.3)', async () => {
    const dir = tmp();
    const store = new CardStore(join(dir, 'business_logic.yaml'));
    writeFileSync(store.path, EXAMPLE);
    await expect(store.write(EXAMPLE.replace('top_k: 8', 'top_k: -1'))).rejects.toThrow(/selection\.top_k/);
    expect(readFileSync(store.path, 'utf8')).toBe(EXAMPLE);
    expect(readdirSync(dir)).toEqual(['business_logic.yaml']); // no temp file left behind
  });

  it('replaces the card atomically and runs the reload hook with the card path (10.2, 10.4)', async () => {
    const dir = tmp();
    const marker = join(dir, 'reloaded');
    const store = new CardStore(join(dir, 'business_logic.yaml'), `echo "{channel} {card}" > ${marker}`, 'ch1');
    writeFileSync(store.path, EXAMPLE);
    const next = applyToCardYaml(EXAMPLE, [{ cardPath: 'selection.temperature', value: 0.7 }], 'x');
    const w = await store.write(next.yaml);
    expect(w.sha256).toBe(next.sha256);
    expect(store.load().card.selection.temperature).toBe(0.7);
    expect(readFileSync(marker, 'utf8').trim()).toBe(`ch1 ${store.path}`);
  });

  it('puts the previous bytes back when the reload hook fails, so planner and file agree', async () => {
    const dir = tmp();
    const store = new CardStore(join(dir, 'business_logic.yaml'), 'exit 3');
    writeFileSync(store.path, EXAMPLE);
    const next = applyToCardYaml(EXAMPLE, [{ cardPath: 'selection.temperature', value: 0.7 }], 'x');
    await expect(store.write(next.yaml)).rejects.toThrow();
    expect(readFileSync(store.path, 'utf8')).toBe(EXAMPLE);
  });

  it('writes, reads and removes the canary overlay beside the card', async () => {
    const dir = tmp();
    const store = new CardStore(join(dir, 'business_logic.yaml'));
    writeFileSync(store.path, EXAMPLE);
    const card = applyToCardYaml(EXAMPLE, [{ cardPath: 'selection.temperature', value: 0.6 }], 'x');
    await store.writeOverlay({
      canary_id: 'c1',
      channel: 'main',
      traffic_percentage: 0.2,
      started_at: new Date().toISOString(),
      card_sha: card.sha256,
      card: card.card,
    });
    expect(store.overlayPath).toBe(join(dir, 'business_logic.canary.yaml'));
    expect(store.readOverlay()).toMatchObject({ canary_id: 'c1', traffic_percentage: 0.2 });
    expect(store.readOverlay()!.card.selection.temperature).toBe(0.6);
    expect(await store.removeOverlay()).toBe(true);
    expect(existsSync(store.overlayPath)).toBe(false);
    expect(await store.removeOverlay()).toBe(false);
  });
});
