import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const RULES = join(ROOT, 'deploy/prometheus/alerts.yml');
const TESTS = join(ROOT, 'deploy/prometheus/alerts.test.yml');

/** scripts/check-rules.sh with the real promtool (installed by the script when missing). */
const checkRules = (...args: string[]) => {
  const r = spawnSync('bash', [join(ROOT, 'scripts/check-rules.sh'), ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

/** A copy of the rules and their tests in a temp folder, the rules passed through `edit`. */
const brokenCopy = (edit: (rules: string) => string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-rules-'));
  writeFileSync(join(dir, 'alerts.yml'), edit(readFileSync(RULES, 'utf8')));
  copyFileSync(TESTS, join(dir, 'alerts.test.yml'));
  return join(dir, 'alerts.yml');
};

describe('Prometheus alert rules (8.x)', () => {
  it('pass promtool check rules and their unit tests (the critical worker-down alert included)', () => {
    const r = checkRules();
    expect(r.out).toMatch(/SUCCESS: 4 rules found/);
    expect(r.out).toMatch(/Unit Testing:.*alerts\.test\.yml\s+SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('a rule with a broken expression fails promtool check rules', () => {
    const r = checkRules(brokenCopy((t) => t.replace('vvtv_autopilot_rollback_ratio_14d > 0.05', 'vvtv_autopilot_rollback_ratio_14d >')));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
  });

  it('a worker-down alert that no longer fires on a silent worker fails the unit tests', () => {
    const r = checkRules(brokenCopy((t) => t.replace('up{job="vvtv-autopilot"} == 0', 'up{job="vvtv-autopilot"} == 2')));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/alertname: AutopilotWorkerDown/);
  });
});
