/** The one wording of configuration problems shared by the agent, the scoring function and the stack. */
import { describe, expect, it } from 'vitest';
import { formatConfigProblem, formatConfigProblems } from '../../core/config-problems.js';

describe('configuration problems', () => {
  it('name the key, the value given, where it came from, what is wrong and the fix', () => {
    expect(
      formatConfigProblem({
        key: 'intervalSeconds',
        value: 'ten',
        source: 'flag --interval',
        problem: 'expected a number of seconds',
        fix: 'give seconds, e.g. 10',
      }),
    ).toBe('intervalSeconds is "ten" (from flag --interval): expected a number of seconds; give seconds, e.g. 10');
    expect(formatConfigProblem({ key: 'batchSize', value: 0, problem: 'less than 1', fix: 'use a whole number from 1 to 10,000' })).toBe(
      'batchSize is 0: less than 1; use a whole number from 1 to 10,000',
    );
  });

  it('say "is not set" for a missing value, with or without more words', () => {
    expect(formatConfigProblem({ key: 'VIGIL_SINKS', value: undefined, fix: 'set it to a comma list' })).toBe('VIGIL_SINKS is not set: set it to a comma list');
    expect(formatConfigProblem({ key: 'VIGIL_PROMETHEUS_URL', value: undefined, problem: 'the prometheus sink needs it', fix: 'set it' })).toBe(
      'VIGIL_PROMETHEUS_URL is not set: the prometheus sink needs it; set it',
    );
  });

  it('list every problem under one title, one a line', () => {
    const message = formatConfigProblems('invalid settings', [
      { key: 'a', value: [1], problem: 'not text', fix: 'give text' },
      { key: 'b', value: Number.NaN, problem: 'not a whole number', fix: 'give one' },
    ]);
    expect(message).toBe('invalid settings:\n  - a is [1]: not text; give text\n  - b is NaN: not a whole number; give one');
  });
});
