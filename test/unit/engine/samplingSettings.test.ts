import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SAMPLING, SAMPLING_LIMITS, SEED_MAX, validateSampling } from '../../../src/writing/settings/samplingSettings';

test('no input gives the defaults and no problems', () => {
  const { settings, problems } = validateSampling(undefined);
  assert.deepEqual(settings, { ...DEFAULT_SAMPLING, stopStrings: [] });
  assert.equal(problems.length, 0);
});

test('values in range pass through untouched', () => {
  const { settings, problems } = validateSampling({ temperature: 1.3, topK: 10, topP: 0.9, minP: 0.1, typicalP: 0.8, repetitionPenalty: 1.2, noRepeatNgramSize: 3, maxNewTokens: 64, strategy: 'beam', numBeams: 3, seed: 5 });
  assert.equal(problems.length, 0);
  assert.equal(settings.temperature, 1.3);
  assert.equal(settings.strategy, 'beam');
  assert.equal(settings.seed, 5);
});

test('absurd numbers are clamped with a message naming the setting and the limit', () => {
  const { settings, problems } = validateSampling({ temperature: 1e9, topK: -4, maxNewTokens: 1e6, topP: 0 });
  assert.equal(settings.temperature, SAMPLING_LIMITS.temperature.max);
  assert.equal(settings.topK, DEFAULT_SAMPLING.topK, 'a negative top-k does not turn the filter off');
  assert.equal(settings.maxNewTokens, SAMPLING_LIMITS.maxNewTokens.max);
  assert.equal(settings.topP, SAMPLING_LIMITS.topP.min);
  assert.equal(problems.length, 4);
  assert.match(problems[0]!.message, /temperature 1000000000 is outside 0\.05–2; using 2/);
});

test('a value past the limit that means "off" gets the default, not the limit (topK -5 is not "no limit")', () => {
  const cases: [Partial<Record<keyof typeof SAMPLING_LIMITS, number>>, keyof typeof SAMPLING_LIMITS, number][] = [
    [{ topK: -5 }, 'topK', DEFAULT_SAMPLING.topK],
    [{ topP: 1.5 }, 'topP', DEFAULT_SAMPLING.topP],
    [{ repetitionPenalty: 0.5 }, 'repetitionPenalty', DEFAULT_SAMPLING.repetitionPenalty],
    // Where the default is "off" anyway, the limit is the default.
    [{ minP: -0.2 }, 'minP', 0],
    [{ noRepeatNgramSize: -3 }, 'noRepeatNgramSize', 0],
    [{ typicalP: 3 }, 'typicalP', 1],
    // Limits that do not mean "off" still clamp.
    [{ topK: 5000 }, 'topK', 1000],
    [{ topP: 0 }, 'topP', 0.05],
  ];
  for (const [input, key, expected] of cases) {
    const { settings, problems } = validateSampling(input);
    assert.equal(settings[key], expected, JSON.stringify(input));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, new RegExp(`^${key} .* is outside`));
  }
  assert.match(validateSampling({ topK: -5 }).problems[0]!.message, /topK -5 is outside 0–1000; using 50 \(the default\)/);
});

test('wrong types fall back to the default', () => {
  const { settings, problems } = validateSampling({ temperature: 'hot', topK: NaN, topP: Infinity, strategy: 'wild', seed: -1, stopStrings: 'x' });
  assert.equal(settings.temperature, DEFAULT_SAMPLING.temperature);
  assert.equal(settings.topK, DEFAULT_SAMPLING.topK);
  assert.equal(settings.topP, DEFAULT_SAMPLING.topP);
  assert.equal(settings.strategy, 'sample');
  assert.equal(settings.seed, null);
  assert.deepEqual(settings.stopStrings, []);
  assert.equal(problems.length, 6);
});

test('integers are rounded; seeds must be whole and in range', () => {
  assert.equal(validateSampling({ topK: 7.6 }).settings.topK, 8);
  assert.equal(validateSampling({ seed: SEED_MAX }).settings.seed, SEED_MAX);
  assert.equal(validateSampling({ seed: SEED_MAX + 1 }).settings.seed, null);
  assert.equal(validateSampling({ seed: 1.5 }).problems.length, 1);
});

test('stop strings: empty and over-long ones dropped, duplicates merged, count capped', () => {
  const { settings, problems } = validateSampling({ stopStrings: ['\n', '\n', '', 'x'.repeat(100), 3] });
  assert.deepEqual(settings.stopStrings, ['\n']);
  assert.equal(problems.length, 1);
  assert.equal(validateSampling({ stopStrings: Array.from({ length: 40 }, (_, i) => `s${i}`) }).settings.stopStrings.length, 16);
});

test('non-object input is reported and ignored', () => {
  for (const bad of [42, 'x', [1, 2], true]) {
    const { settings, problems } = validateSampling(bad);
    assert.equal(settings.temperature, DEFAULT_SAMPLING.temperature);
    assert.equal(problems.length, 1);
  }
});

test('every limit has a plain-language explanation', () => {
  for (const [key, limit] of Object.entries(SAMPLING_LIMITS)) {
    assert.ok(limit.explain.length > 20, key);
    assert.ok(limit.min < limit.max, key);
    const d = DEFAULT_SAMPLING[key as keyof typeof SAMPLING_LIMITS];
    assert.ok(d >= limit.min && d <= limit.max, `default ${key} in range`);
  }
});
