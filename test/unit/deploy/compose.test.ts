import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ENV_OVERRIDE_NAMES } from '../../../src/config/load';

const ROOT = join(__dirname, '..', '..', '..');
const compose = YAML.parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
const services = compose.services as Record<
  string,
  { image?: string; ports?: string[]; environment?: Record<string, unknown>; build?: { dockerfile_inline?: string } }
>;
const config = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));

/** Every `process.env.NAME` in src/, plus the names the config loader maps onto the config. */
function envNamesTheCodeReads(): Set<string> {
  const names = new Set(ENV_OVERRIDE_NAMES);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
  for (const file of walk(join(ROOT, 'src')))
    for (const m of readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z0-9_]+)/g)) names.add(m[1]!);
  return names;
}

const hostPort = (mapping: string) => mapping.split(':').map(Number);

describe('docker-compose.yml agrees with the code (issue 11)', () => {
  it('has the production services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['alertmanager', 'grafana', 'postgresql', 'prometheus', 'temporal', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('runs the worker host entry point that npm run worker runs', () => {
    const inline = services.worker!.build!.dockerfile_inline!;
    const cmd = JSON.parse(/CMD (\[.*\])/.exec(inline)![1]!) as string[];
    expect(cmd).toEqual(['npx', 'tsx', 'src/worker.ts']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.worker).toContain('tsx src/worker.ts');
    expect(statSync(join(ROOT, 'src', 'worker.ts')).isFile()).toBe(true);
  });

  it('gives the worker only environment variables the code reads', () => {
    const read = envNamesTheCodeReads();
    const env = Object.keys(services.worker!.environment ?? {});
    expect(env.filter((n) => !read.has(n))).toEqual([]);
    expect(env).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'VVTV_DATA_DIR', 'VVTV_CONFIG', 'VVTV_METRICS_HOST']));
    expect(services.worker!.environment!.VVTV_METRICS_HOST).toBe('0.0.0.0'); // reachable by Prometheus
  });

  it('wires the ports: /metrics, the Temporal frontend and the Prometheus target', () => {
    const metricsPort: number = config.metrics_port;
    expect(services.worker!.ports!.map(hostPort)).toContainEqual([metricsPort, metricsPort]);
    const prometheus = readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8');
    expect(prometheus).toContain(`worker:${metricsPort}`);
    const [, frontendPort] = hostPort(services.temporal!.ports![0]!);
    expect(services.worker!.environment!.TEMPORAL_ADDRESS).toBe(`temporal:${frontendPort}`);
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe(`temporal:${frontendPort}`);
    // The UI port the config links to is the one the compose file publishes.
    const uiPort = Number(new URL(config.temporal.ui_url).port);
    expect(services['temporal-ui']!.ports!.map((p) => hostPort(p)[0])).toContain(uiPort);
  });

  it('runs the same Temporal server version as scripts/cluster.sh', () => {
    const script = readFileSync(join(ROOT, 'scripts', 'cluster.sh'), 'utf8');
    const version = /^SERVER_VERSION=(\S+)$/m.exec(script)![1];
    expect(services.temporal!.image).toBe(`temporalio/auto-setup:${version}`);
  });

  it('documents every environment variable the config loader reads', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
    expect(ENV_OVERRIDE_NAMES.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
});
