import { ValidationError } from '../../../src/config/errors';
import { autopilotGovernor } from '../../../src/workflows/governor';
import {
  validateMayRun,
  validateOverride,
  validatePause,
  validateReport,
  type AutopilotGovernorWorkflow,
} from '../../../src/workflows/governor-messages';
import { settings } from './fixtures';

const problems = (fn: () => void): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
};

describe('governor payload checks', () => {
  it('refuses an outcome report naming every bad field', () => {
    expect(
      problems(() =>
        validateReport({ cycleId: '', outcome: 'exploded', at: 'yesterday', predictionError: -1, changedParameters: 'temperature' }),
      ),
    ).toEqual([
      'cycleId: expected a non-empty string',
      'at: expected an ISO date-time',
      expect.stringMatching(/^outcome: expected one of promoted, rolled_back, .* got exploded$/),
      'predictionError: expected a non-negative finite number or nothing',
      'changedParameters: expected a list of parameter names',
    ]);
    expect(() => validateReport({ cycleId: 'c', outcome: 'promoted', at: new Date().toISOString(), predictionError: 0.2 })).not.toThrow();
  });

  it('refuses an override outside the hard limits, on an unknown parameter, or with min ≥ max (2.4, 9.3)', () => {
    const st = settings();
    expect(problems(() => validateOverride({ parameter: 'temperature', min: 0.05, max: 1, reason: 'r', by: 'ops' }, st))).toEqual([
      'min/max: [0.05, 1] leaves the hard limits [0.1, 2] of temperature',
    ]);
    expect(problems(() => validateOverride({ parameter: 'speed', min: 1, max: 0.5, reason: 'r', by: 'ops', durationMs: -5 }, st))).toEqual([
      'durationMs: expected a positive number of milliseconds',
    ]);
    expect(problems(() => validateOverride({ parameter: 'speed', min: 1, max: 0.5, reason: 'r', by: 'ops' }, st))).toEqual([
      'min: expected below max (0.5), got 1',
      'parameter: expected one of temperature, top_k, plan_selection_bias, epsilon, got speed',
    ]);
  });

  it('refuses a non-object payload and a pause without a reason', () => {
    expect(problems(() => validateMayRun(null))).toEqual(['(root): expected an object']);
    expect(problems(() => validatePause({ by: 'ops' }))).toEqual(['reason: expected a non-empty string']);
  });
});

describe('the governor workflow as its starters see it', () => {
  it('has the name and the signature the governor activities start it with', () => {
    const started: AutopilotGovernorWorkflow = autopilotGovernor; // fails to compile when the signatures part
    expect(started.name).toBe('autopilotGovernor');
  });
});
