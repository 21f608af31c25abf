import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { SqliteStateStore } from '../../../src/adapters/state-store';
import { parseConfig } from '../../../src/config/load';
import { createRegistry } from '../../../src/observability/metrics';

const ROOT = join(__dirname, '../../..');
const DASHBOARD = join(ROOT, 'deploy/grafana/dashboards/autopilot.json');
const ALERTS = join(ROOT, 'deploy/prometheus/alerts.yml');

/** Series Prometheus makes itself for every scrape target. */
const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling']);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression (or a Grafana `label_values(metric, label)` query) reads. */
function metricNames(expr: string): string[] {
  const lv = /^\s*label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(expr);
  if (lv) return [lv[1]];
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\{?\w+\}?/g, ''); // Grafana variables
  const names = [...bare.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*(?!\s*\(|[\w:])/g)].map((m) => m[0]);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

/** Every `expr` and templating `query` string of a Grafana dashboard. */
function dashboardQueries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => dashboardQueries(n, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'expr' || k === 'query') && typeof v === 'string') out.push(v);
      else dashboardQueries(v, out);
    }
  return out;
}

/** The series names the worker's /metrics serves: gauges as named, histograms and summaries with their suffixes. */
async function exportedNames(): Promise<Set<string>> {
  const tmp = mkdtempSync(join(tmpdir(), 'vvtv-dash-'));
  const state = new SqliteStateStore(join(tmp, 's.sqlite'));
  const config = parseConfig(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'), 'autopilot.yaml');
  try {
    const reg = createRegistry({ config: () => config, ...state });
    const names = new Set<string>();
    for (const m of await reg.getMetricsAsJSON()) {
      names.add(m.name);
      const type = String(m.type);
      if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(m.name + s));
      if (type === 'summary') ['_sum', '_count'].forEach((s) => names.add(m.name + s));
    }
    return names;
  } finally {
    state.close();
  }
}

describe('the Grafana dashboard and the alert rules read only what the worker exports (8.x)', () => {
  it('finds the metric names in PromQL, leaving out functions, labels, variables and keywords', () => {
    expect(metricNames('sum by (channel) (rate(vvtv_a_total{channel=~"$channel"}[5m])) / ignoring(x) vvtv_b > bool 0.5')).toEqual([
      'vvtv_a_total',
      'vvtv_b',
    ]);
    expect(metricNames('label_values(vvtv_autopilot_cycles_30d, channel)')).toEqual(['vvtv_autopilot_cycles_30d']);
    expect(metricNames('histogram_quantile(0.9, vvtv_x_bucket) offset 1h')).toEqual(['vvtv_x_bucket']);
  });

  it('every dashboard query names a metric of the registry (our gauges and the vvtv_autopilot_process_ defaults)', async () => {
    const exported = await exportedNames();
    expect(exported).toContain('vvtv_autopilot_cycles_30d');
    expect(exported).toContain('vvtv_autopilot_process_process_cpu_seconds_total');
    const queries = dashboardQueries(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
    expect(queries.length).toBeGreaterThan(0);
    const used = queries.flatMap((q) => metricNames(q).map((name) => ({ q, name })));
    expect(used.length).toBeGreaterThanOrEqual(queries.length);
    expect(used.filter((u) => !exported.has(u.name))).toEqual([]);
  });

  it('every alert rule names a metric of the registry or a series Prometheus makes per target (up)', async () => {
    const exported = await exportedNames();
    const rules = (YAML.parse(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups
      .flatMap((g) => g.rules)
      .flatMap((r) => metricNames(r.expr).map((name) => ({ alert: r.alert, name })));
    expect(rules.filter((r) => !exported.has(r.name) && !SCRAPE_SERIES.has(r.name))).toEqual([]);
  });
});
