// Sampling presets: every built-in one is within the limits the settings allow, names are checked,
// and the writer's presets are read back from the setting's raw JSON safely.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILT_IN_PRESETS, describePreset, matchingPreset, MAX_PRESET_NAME_LENGTH, pick, presetNameProblem, presetsToSetting, PRESET_KEYS, validateUserPresets } from '../../../src/writing/settings/samplingPresets';
import { DEFAULT_SAMPLING, SAMPLING_LIMITS, validateSampling } from '../../../src/writing/settings/samplingSettings';

describe('built-in presets', () => {
  it('are within every limit: validating them changes nothing', () => {
    for (const p of BUILT_IN_PRESETS) {
      const checked = validateSampling(p.values);
      assert.deepEqual(checked.problems, [], p.name);
      assert.deepEqual(pick(checked.settings), p.values, p.name);
      for (const [key, limit] of Object.entries(SAMPLING_LIMITS)) {
        const v = (p.values as unknown as Record<string, number>)[key];
        if (v === undefined) continue;
        assert.ok(v >= limit.min && v <= limit.max, `${p.name}.${key} = ${v}`);
        if (limit.integer) assert.ok(Number.isInteger(v), `${p.name}.${key} is whole`);
      }
    }
  });

  it('set every preset key, have distinct names and values, and explain themselves', () => {
    const names = BUILT_IN_PRESETS.map((p) => p.name.toLowerCase());
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names.slice(0, 4), ['faithful', 'balanced', 'imaginative', 'wild']);
    const values = BUILT_IN_PRESETS.map((p) => JSON.stringify(p.values));
    assert.equal(new Set(values).size, values.length, 'no two presets are the same');
    for (const p of BUILT_IN_PRESETS) {
      assert.deepEqual(Object.keys(p.values).sort(), [...PRESET_KEYS].sort(), p.name);
      assert.ok(p.explain.length > 20 && !p.explain.includes('\n'), `${p.name} has a one-line explanation`);
    }
  });

  it('go from safe to adventurous: temperature rises from Faithful to Wild', () => {
    const t = (name: string) => BUILT_IN_PRESETS.find((p) => p.name === name)!.values.temperature;
    assert.ok(t('Faithful') < t('Balanced') && t('Balanced') < t('Imaginative') && t('Imaginative') < t('Wild'));
  });

  it('Balanced is the defaults, so fresh settings show it as active', () => {
    assert.equal(matchingPreset(DEFAULT_SAMPLING, BUILT_IN_PRESETS)?.name, 'Balanced');
    assert.equal(matchingPreset({ ...DEFAULT_SAMPLING, temperature: 0.81 }, BUILT_IN_PRESETS), undefined);
  });
});

describe('preset names', () => {
  it('accepts a plain name and rejects empty, padded, long, control characters and clashes', () => {
    assert.equal(presetNameProblem('Night verse'), null);
    assert.match(presetNameProblem('')!, /name/);
    assert.match(presetNameProblem('   ')!, /name/);
    assert.match(presetNameProblem(' padded')!, /spaces/);
    assert.match(presetNameProblem('x'.repeat(MAX_PRESET_NAME_LENGTH + 1))!, /at most/);
    assert.match(presetNameProblem('a\u0007b')!, /control/);
    assert.match(presetNameProblem('wild')!, /built-in/);
    assert.match(presetNameProblem('Mine', ['mine'])!, /already/);
    assert.match(presetNameProblem(42)!, /text/);
  });
});

describe('the writer\'s presets from settings', () => {
  it('reads a good object back as it was written', () => {
    const written = presetsToSetting([{ name: 'Dusk', explain: '', builtIn: false, values: { ...pick(DEFAULT_SAMPLING), temperature: 1.2 } }]);
    const { presets, problems } = validateUserPresets(JSON.parse(JSON.stringify(written)));
    assert.deepEqual(problems, []);
    assert.equal(presets.length, 1);
    assert.equal(presets[0]!.name, 'Dusk');
    assert.equal(presets[0]!.values.temperature, 1.2);
    assert.equal(presets[0]!.builtIn, false);
    assert.match(presets[0]!.explain, /temperature 1\.2/);
  });

  it('clamps values out of range, fills what is missing, ignores unknown keys, and says so', () => {
    const { presets, problems } = validateUserPresets({ Hot: { temperature: 99, topK: 'many', maxNewTokens: 500, extra: true } });
    assert.equal(presets[0]!.values.temperature, SAMPLING_LIMITS.temperature.max);
    assert.equal(presets[0]!.values.topK, DEFAULT_SAMPLING.topK);
    assert.ok(!('maxNewTokens' in presets[0]!.values), 'length is not part of a preset');
    assert.equal(problems.length, 2, problems.join('\n'));
  });

  it('drops entries with bad names or non-object values and survives any JSON', () => {
    const { presets, problems } = validateUserPresets({ '': {}, Wild: {}, Fine: {}, Bad: 3, List: [1] });
    assert.deepEqual(presets.map((p) => p.name), ['Fine']);
    assert.equal(problems.length, 4);
    for (const raw of [null, undefined, 5, 'x', [], [{}]]) assert.doesNotThrow(() => validateUserPresets(raw));
    assert.equal(validateUserPresets([]).presets.length, 0);
    assert.equal(validateUserPresets('x').problems.length, 1);
  });

  it('describes greedy and beam presets in words', () => {
    assert.match(describePreset({ ...pick(DEFAULT_SAMPLING), strategy: 'greedy' }), /Greedy/);
    assert.match(describePreset({ ...pick(DEFAULT_SAMPLING), strategy: 'beam', numBeams: 3 }), /3 beams/);
  });
});
