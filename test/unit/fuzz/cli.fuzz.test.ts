import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { run } from '../../support/cli';

const ROOT = join(__dirname, '../../..');

/** The CLI's commands with their positional arguments and options (as registered in src/cli/commands.ts). */
const COMMANDS: Array<{ cmd: string[]; args?: number; options: string[] }> = [
  { cmd: ['status'], options: ['--channel'] },
  { cmd: ['history'], options: ['--channel', '--limit', '--parameter', '--format'] },
  { cmd: ['show-cycle'], args: 1, options: ['--channel'] },
  { cmd: ['bounds'], options: ['--channel'] },
  { cmd: ['validate'], options: ['--channel', '--card'] },
  { cmd: ['config'], options: [] },
  { cmd: ['report'], options: ['--channel', '--days'] },
  { cmd: ['drift-check'], options: ['--channel'] },
  { cmd: ['run'], options: ['--channel', '--set', '--reason', '--canary-minutes', '--check-minutes'] },
  { cmd: ['canary-status'], options: ['--channel', '--canary'] },
  { cmd: ['decide'], args: 1, options: ['--channel', '--canary', '--reason', '--by'] },
  { cmd: ['schedule', 'pause'], options: ['--channel', '--reason'] },
  { cmd: ['pause'], options: ['--channel', '--reason', '--hours', '--by'] },
  { cmd: ['resume'], options: ['--channel', '--reason', '--by'] },
  { cmd: ['emergency-pause'], options: ['--channel', '--reason', '--by'] },
  { cmd: ['override-bounds'], args: 1, options: ['--channel', '--min', '--max', '--reason', '--hours', '--by'] },
  { cmd: ['clear-override'], args: 1, options: ['--channel', '--reason', '--by'] },
  { cmd: ['rollback'], args: 1, options: ['--channel', '--reason', '--by'] },
  { cmd: ['force-deploy'], options: ['--channel', '--set', '--reason', '--by'] },
  { cmd: ['triage'], options: ['--channel', '--week-end'] },
];

/** Values an operator may type by mistake, and noise. */
const value = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1', '0.5', '1e309', 'NaN', 'Infinity', 'abc', 'main', 'other', 'temperature', 'temperature=0.6'),
  fc.constantFrom(
    'temperature=',
    '=1',
    'top_k=x',
    'proceed',
    'rollback',
    '2025-06-01',
    'yesterday',
    '--json',
    '-c',
    'json',
    'csv',
    '../x.yaml',
  ),
  fc.string({ maxLength: 12 }),
);

const argv = fc.oneof(
  fc.constantFrom(...COMMANDS).chain((c) =>
    fc
      .tuple(
        fc.array(value, { minLength: c.args ?? 0, maxLength: c.args ?? 0 }),
        fc.subarray(c.options).chain((opts) => fc.tuple(...opts.map((o) => fc.tuple(fc.constant(o), value)))),
        fc.array(value, { maxLength: 1 }),
      )
      .map(([args, opts, extra]) => [...c.cmd, ...args, ...opts.flat(), ...extra]),
  ),
  fc.array(value, { maxLength: 5 }),
);

/** Exit 1 is for the environment only: here, a Temporal that cannot be reached, or a record that is not there. */
const ENVIRONMENT = /cannot reach Temporal|no canary is running|no cycle .* in the state store|no version|not found/i;

function setup(): { configPath: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-cli-fuzz-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8'));
  raw.data_dir = join(dir, 'data');
  raw.temporal = { ...raw.temporal, address: '127.0.0.1:1' };
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  return { configPath, dir };
}

/** SHA256 of every file under `dir` but the SQLite databases (the stores open them read-write). */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.sqlite(-wal|-shm|-journal)?$/.test(f))
        out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('fuzzing the CLI arguments: bad input exits 2 with the option named, no stack trace, no file changed (9.x)', () => {
  const { configPath, dir } = setup();

  beforeAll(async () => {
    await run(['--config', configPath, 'autopilot', 'validate']); // creates the stores once
  });

  it('arbitrary commands, options and values', async () => {
    const before = hashes(dir);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const r = await run(['--config', configPath, 'autopilot', ...args]);
        expect([0, 1, 2]).toContain(r.code);
        expect(r.err).not.toMatch(/\n\s+at /);
        if (r.code === 2) expect(r.err).toMatch(/^(vvtvctl: |Usage: )/); // a usage error, or the help of a command group
        if (r.code === 1) expect(r.err).toMatch(ENVIRONMENT);
      }),
      { numRuns: 200 },
    );
    expect(hashes(dir)).toEqual(before);
  });

  it.each([
    [['history', '--limit', 'abc'], /--limit <n>.*'abc' is invalid\. expected a positive whole number/],
    [['report', '--days', '-3'], /--days <n>.*'-3' is invalid\. expected a positive number/],
    [['pause', '--reason', 'r', '--hours', 'NaN'], /--hours <h>.*'NaN' is invalid/],
    [['override-bounds', 'temperature', '--min', 'x', '--max', '1', '--reason', 'r'], /--min <n>.*'x' is invalid\. expected a number/],
    [['run', '--set', 'temperature='], /--set <param=value\.\.\.>.*is invalid\. expected parameter=number/],
    [['triage', '--week-end', 'yesterday'], /--week-end <iso>.*'yesterday' is invalid\. expected an ISO date-time/],
    [['status', '--channel', 'nope'], /--channel is invalid:\n {2}- expected one of main, got nope/],
    [['decide', 'maybe', '--reason', 'r'], /decide is invalid:\n {2}- decide: decision: expected proceed or rollback, got maybe/],
    [['pause', '--reason', ''], /governor pause is invalid:\n {2}- reason: expected a non-empty string/],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['pause'], /required option '--reason <text>' not specified/],
  ])('%j exits 2 naming the field', async (args, message) => {
    const r = await run(['--config', configPath, 'autopilot', ...args]);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('--help still exits 0', async () => {
    const r = await run(['autopilot', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: vvtvctl autopilot/);
  });
});
