import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { dailyTime } from '../../../src/client';
import { parseConfig } from '../../../src/config/load';
import { ValidationError } from '../../../src/config/errors';

const minutes = (t: { hour: number; minute: number }) => t.hour * 60 + t.minute;
const channels = Array.from({ length: 200 }, (_, i) => `channel-${i}`);

describe('the daily cycle time of a channel (1.1, spread over autopilot.schedule.spread_minutes)', () => {
  it('is hour:minute for every channel without a spread', () => {
    for (const ch of channels.slice(0, 5)) expect(dailyTime({ hour: 3, minute: 0, spread_minutes: 0 }, ch)).toEqual({ hour: 3, minute: 0 });
  });

  it('gives each channel a stable offset inside the window, and spreads a fleet over it', () => {
    const s = { hour: 3, minute: 0, spread_minutes: 30 };
    const at = channels.map((ch) => minutes(dailyTime(s, ch)) - 180);
    expect(Math.min(...at)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...at)).toBeLessThan(30);
    expect(channels.map((ch) => minutes(dailyTime(s, ch)) - 180)).toEqual(at); // the same on every call (and host)
    const perMinute = new Map<number, number>();
    for (const m of at) perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
    expect(perMinute.size).toBeGreaterThanOrEqual(25); // 200 channels use (nearly) all 30 minutes
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(20); // none gets a crowd (expected ~6.7)
  });

  it('wraps past midnight', () => {
    const s = { hour: 23, minute: 50, spread_minutes: 60 };
    const all = channels.map((ch) => dailyTime(s, ch));
    expect(all.some((t) => t.hour === 0)).toBe(true);
    for (const t of all) expect(t.hour === 23 ? t.minute >= 50 : t.hour === 0 && t.minute < 50).toBe(true);
  });

  it('refuses a spread outside 0..720 minutes, naming the field', () => {
    const shipped = YAML.parse(readFileSync(join(__dirname, '../../../config/autopilot.yaml'), 'utf8'));
    const yaml = (v: unknown) => YAML.stringify({ ...shipped, autopilot: { ...shipped.autopilot, schedule: { spread_minutes: v } } });
    expect(parseConfig(yaml(45), 'x').autopilot.schedule.spread_minutes).toBe(45);
    for (const bad of [721, -1, 2.5]) {
      expect(() => parseConfig(yaml(bad), 'x')).toThrow(ValidationError);
      expect(() => parseConfig(yaml(bad), 'x')).toThrow(/autopilot\.schedule\.spread_minutes/);
    }
  });
});
