import fc from 'fast-check';
import {
  validateClearOverride,
  validateConfigFlag,
  validateEmergencyPause,
  validateMayRun,
  validateOverride,
  validatePause,
  validateRegisterCanary,
  validateReport,
  validateResume,
} from '../../../src/workflows/governor-messages';
import { EmergencyStopSchema, OperatorDecisionSchema, checkSignalPayload } from '../../../src/workflows/messages';
import { settings } from '../governor/fixtures';
import { mutation, oddValue, validationProblems } from '../../support/fuzz';

const st = settings();
const NOW = '2025-06-15T12:00:00.000Z';

/** Each governor payload check with a valid payload and the fields it knows. */
const GOVERNOR: Array<{ name: string; check: (p: unknown) => void; valid: Record<string, unknown> }> = [
  { name: 'pause', check: validatePause, valid: { by: 'ops', reason: 'r', durationMs: 60_000 } },
  { name: 'resume', check: validateResume, valid: { by: 'ops', reason: 'r' } },
  { name: 'emergencyPause', check: validateEmergencyPause, valid: { by: 'ops', reason: 'r' } },
  { name: 'configFlag', check: validateConfigFlag, valid: { emergencyPause: true } },
  {
    name: 'overrideBounds',
    check: (p) => validateOverride(p, st),
    valid: { parameter: 'temperature', min: 0.4, max: 1, reason: 'r', by: 'ops', durationMs: 3_600_000 },
  },
  { name: 'clearOverride', check: validateClearOverride, valid: { parameter: 'temperature', by: 'ops', reason: 'r' } },
  { name: 'mayRun', check: validateMayRun, valid: { cycleId: 'c1', at: NOW, settings: st } },
  { name: 'registerCanary', check: validateRegisterCanary, valid: { cycleId: 'c1', canaryId: 'k1' } },
  {
    name: 'reportOutcome',
    check: validateReport,
    valid: { cycleId: 'c1', outcome: 'promoted', at: NOW, predictionError: 0.1, changedParameters: ['temperature'] },
  },
];

describe('fuzzing the governor and canary payloads: refused with every bad field named, never a crash (9.x, 3.4)', () => {
  it.each(GOVERNOR.map((g) => [g.name, g] as const))('governor %s: valid payloads pass, mutated ones name the field', (_, g) => {
    expect(validationProblems(() => g.check(g.valid))).toEqual([]);
    const fields = new Set([...Object.keys(g.valid), 'min/max', '(root)']);
    fc.assert(
      fc.property(
        fc.oneof(
          mutation(g.valid),
          oddValue().map((v) => ({ path: [], mutated: v })),
        ),
        ({ mutated }) => {
          for (const p of validationProblems(() => g.check(mutated))) expect(fields).toContain(p.slice(0, p.indexOf(':')).split(/[.[]/)[0]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['canaryDecision', OperatorDecisionSchema, { decision: 'proceed', by: 'ops', reason: 'looks fine' }],
    ['emergencyStop', EmergencyStopSchema, { by: 'ops', reason: 'stop' }],
  ] as const)('canary %s: the handler check never throws, and names each bad field', (name, schema, valid) => {
    expect(checkSignalPayload(name, schema, valid)).toEqual({ value: valid });
    const fields = [...Object.keys(valid), '(root)'].map((f) => `${name}: ${f}:`);
    fc.assert(
      fc.property(
        fc.oneof(
          mutation(valid),
          oddValue().map((v) => ({ path: [], mutated: v })),
        ),
        ({ mutated }) => {
          const r = checkSignalPayload(name, schema, mutated);
          if ('problems' in r) for (const p of r.problems) expect(fields.some((f) => p.startsWith(f))).toBe(true);
          else expect(schema.safeParse(mutated).success).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
