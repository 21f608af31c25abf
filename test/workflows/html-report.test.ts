import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, ROOT } from '../support/harness';
import { run } from '../support/cli';
import { startCycle } from '../../src/client';

const FAST = { durationMs: 12_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };

/** Headless Chromium from Debian's package, installed by scripts/install-chromium.sh when missing. */
function chromium(): string {
  const script = join(ROOT, 'scripts/install-chromium.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const headless = ['--headless', '--disable-gpu', '--no-sandbox', '--hide-scrollbars', '--virtual-time-budget=2000'];

/** The DOM after Chromium loaded the page and ran its script. */
function dumpDom(browser: string, file: string, profile: string): string {
  return execFileSync(browser, [...headless, `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 200)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
/** The opening tag of the element carrying data-chart="id" and its content up to </svg>. */
const chart = (dom: string, id: string) => dom.match(new RegExp(`<svg[^>]*data-chart="${id}"[^>]*>[\\s\\S]*?</svg>`))?.[0] ?? '';

describe('vvtvctl autopilot report --html: the operator report, rendered in headless Chromium', () => {
  // Beneficial temperature moves pass; epsilon above 0.05 harms engagement (its canary rolls back).
  const h = new Harness({
    slotsPerSecond: 400,
    simulator: { harmfulRegion: { parameter: 'epsilon', above: 0.05, severity: 0.3 } },
    patchConfig: (raw) => (raw.optimizer.min_proceed_probability = 0.8),
  });
  const out = mkdtempSync(join(tmpdir(), 'vvtv-report-'));
  let browser: string;
  beforeAll(async () => {
    browser = chromium();
    await h.start();
  }, 300_000);
  afterAll(() => h.close());
  const ctl = (...args: string[]) => run(['--config', h.configPath, 'autopilot', ...args, '--channel', h.channel]);

  it('an empty history renders a page that says so, not a crash', async () => {
    const file = join(out, 'empty.html');
    const r = await ctl('report', '--html', file);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/wrote .*empty\.html: .*0 cycle\(s\)/);
    const dom = dumpDom(browser, file, join(out, 'profile-empty'));
    expect(dom).toMatch(/data-field="empty">No cycles, canaries or operator actions in the last 30 days/);
    expect(dom).not.toMatch(/<html[^>]*data-report-error/);
    expect(dom).toContain('<td>temperature</td><td>0.5</td>');
  });

  it('bad arguments exit 2 naming the option, and write nothing', async () => {
    const file = join(out, 'bad.html');
    const days = await ctl('report', '--html', file, '--days', '0');
    expect(days.code).toBe(2);
    expect(days.err).toMatch(/--days/);
    const empty = await ctl('report', '--html', '');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--html/);
    mkdirSync(join(out, 'a-folder'));
    const folder = await ctl('report', '--html', join(out, 'a-folder'));
    expect(folder.code).toBe(2);
    expect(folder.err).toMatch(/--html.*expected a file, got a folder/);
    const channel = await run(['--config', h.configPath, 'autopilot', 'report', '--html', file, '--channel', 'nope']);
    expect(channel.code).toBe(2);
    expect(channel.err).toMatch(/--channel/);
    expect(existsSync(file)).toBe(false);
  });

  it('after a promotion, a rollback and the governor’s pause, every chart draws its data (8.2, 4.4, 9.x)', async () => {
    h.startSimulator();
    // 1. the rules move temperature 0.5 → 0.6 and the canary promotes it
    const promoted = await (await startCycle(h.client, h.taskQueue, { channel: h.channel, canary: FAST })).result();
    expect(promoted.outcome).toBe('promoted');
    // 2. an operator's epsilon 0.04 → 0.06 lands in the harmful region: rolled back; 1 of 2 deployments rolled back pauses the channel
    const rolledBack = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: FAST,
        changes: [{ parameter: 'epsilon', value: 0.06 }],
        reason: 'test: harmful',
      })
    ).result();
    expect(rolledBack.outcome).toBe('rolled_back');
    // 3. an operator resumes and overrides a range
    expect((await ctl('resume', '--reason', 'looked at it', '--by', 'alice')).code).toBe(0);
    expect((await ctl('override-bounds', 'top_k', '--min', '4', '--max', '12', '--reason', 'incident 9', '--hours', '2')).code).toBe(0);
    // The governor records its decisions through an activity, after the update has answered.
    await until('the resume and the override in the audit log', () => {
      const kinds = h.rt.deps.auditLog.list(h.channel, { limit: 100 }).map((d) => d.kind);
      return kinds.includes('resume') && kinds.includes('bounds_override');
    });

    const file = join(out, 'report.html');
    const r = await ctl('report', '--html', file, '--days', '7');
    expect(r).toMatchObject({ code: 0, err: '' });
    const html = readFileSync(file, 'utf8');
    // self-contained: no URL to fetch, a CSP that forbids it
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain(`default-src 'none'`);

    const dom = dumpDom(browser, file, join(out, 'profile'));
    expect(dom).not.toMatch(/<html[^>]*data-report-error/);
    const charts = Number(dom.match(/data-charts="(\d+)"/)?.[1]);
    // 4 parameters + the KPIs + the scatter + 2 canaries + the time line, each with drawn marks
    expect(charts).toBeGreaterThanOrEqual(4 + 1 + 1 + 2 + 1);
    expect(dom).toContain(`data-charts-drawn="${charts}"`);

    // the header: channel, the live card's version, the governor
    expect(dom).toContain(`data-field="channel">${h.channel}<`);
    expect(dom).toMatch(new RegExp(`data-field="card-version"[^>]*>${promoted.versionId}`));
    expect(dom).toMatch(/data-field="governor"[^>]*>running/);

    // temperature: the live value line goes 0.5 → 0.6 inside its band [0.3, 1.5]; hard range lines at 0.1 and 2
    const temp = chart(dom, 'param-temperature');
    expect(temp).toMatch(/class="series" d="M[\d.,]+(H[\d.]+V[\d.]+)+"/);
    expect(temp).toMatch(/data-value="0\.5"/);
    expect(temp).toMatch(/class="pt promoted" data-value="0\.6"/);
    expect(temp).toMatch(/class="band" data-min="0\.3" data-max="1\.5"/);
    expect(count(temp, /class="hard"/g)).toBe(2);
    // epsilon: the rolled-back 0.06 is a red cross; the live value stays 0.04
    const eps = chart(dom, 'param-epsilon');
    expect(eps).toMatch(/class="marker rolled-back" data-value="0\.06"/);
    expect(eps).toMatch(/class="pt card" data-value="0\.04"/);

    // KPI trends: one 24 h level per cycle, with its interval and the target band when the KPI has one
    const entropy = chart(dom, 'kpi-selection_entropy');
    expect(count(entropy, /class="pt /g)).toBe(2);
    expect(count(entropy, /class="whisker"/g)).toBe(2);
    expect(entropy).toMatch(/class="target"/);

    // each canary: one interval per KPI, coloured by its class; the predicted Δ as a diamond
    const canaryOf = (cycleId: string) => h.rt.deps.cycleLog.get(cycleId)!.canary_id!;
    const c1 = chart(dom, `canary-${canaryOf(promoted.cycleId)}`);
    expect(count(c1, /class="ci /g)).toBe(promoted.verdict!.kpis.length);
    expect(c1).toMatch(/class="pred" data-value=/);
    const c2 = chart(dom, `canary-${canaryOf(rolledBack.cycleId)}`);
    expect(c2).toMatch(/class="est Degraded"/);
    expect(count(chart(dom, 'predicted-vs-measured'), /class="est /g)).toBeGreaterThanOrEqual(2);
    // the gate's record: the rule table's and the operator's changes carry no forecast
    expect(dom).toMatch(
      /data-field="gate">the gate \(a move needs a forecast P\(its canary passes\) ≥ 80%\): no finished canary the optimizer chose/,
    );

    // the time line: the rollback, the governor's pause until alice's resume, the manual override, the promotion
    const tl = chart(dom, 'timeline');
    expect(tl).toMatch(/class="event canary_rollback" data-lane="rollback"/);
    expect(tl).toMatch(/class="event governor_pause" data-lane="pause"/);
    expect(tl).toMatch(/class="event resume" data-lane="pause"/);
    expect(tl).toMatch(/class="span"/);
    expect(tl).toMatch(/class="event bounds_override" data-lane="manual"/);
    expect(tl).toMatch(/class="event promoted" data-lane="promotion"/);

    // explainability: the rule behind each decision is in the tables
    expect(dom).toContain('<code>entropy_below_target</code>');
    expect(dom).toContain('<code>primary_degraded</code>');

    const png = join(out, 'report.png');
    execFileSync(
      browser,
      [...headless, `--user-data-dir=${join(out, 'profile-shot')}`, `--screenshot=${png}`, '--window-size=1280,5200', `file://${file}`],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
    expect(statSync(png).size).toBeGreaterThan(20_000);
    process.stdout.write(`report screenshot: ${png}\n`);
  }, 240_000);
});
