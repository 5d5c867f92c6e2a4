// The sampling panel's protocol: every message from the page is validated before anything is
// written; unknown types, unknown settings, wrong types, NaN and out-of-range values are rejected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CURRENT_SETTINGS, extraSettingsFromManifest, panelSettingSpecs, settingValueProblem, validatePanelMessage, type PanelRequest } from '../../../src/writing/settings/panelProtocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SAMPLING, SAMPLING_LIMITS, SEED_MAX } from '../../../src/writing/settings/samplingSettings';
import { repoRoot } from '../../support/paths';

const specs = panelSettingSpecs([{ key: 'inline.maxWords', label: 'Words', explain: 'Words per suggestion.', min: 1, max: 80, defaultValue: 12 }]);
const ok = (raw: unknown): PanelRequest => {
  const r = validatePanelMessage(raw, specs);
  assert.ok(r.ok, `accepted: ${JSON.stringify(raw)} — ${r.ok ? '' : r.reason}`);
  return r.message;
};
const rejected = (raw: unknown, why?: RegExp): string => {
  const r = validatePanelMessage(raw, specs);
  assert.ok(!r.ok, `rejected: ${JSON.stringify(raw)}`);
  if (why) assert.match(r.reason, why);
  return r.reason;
};
const { stopStrings: _unused, drySequenceBreakers: _breakers, bannedPhrases: _bans, ...trySampling } = DEFAULT_SAMPLING;

describe('panel setting specs', () => {
  it('take limits, defaults and explanations from the sampling module', () => {
    for (const [name, limit] of Object.entries(SAMPLING_LIMITS)) {
      const spec = specs[`sampling.${name}`]!;
      assert.equal(spec.kind, 'number');
      if (spec.kind !== 'number') continue;
      assert.equal(spec.min, limit.min);
      assert.equal(spec.max, limit.max);
      assert.equal(spec.integer, limit.integer);
      assert.equal(spec.explain, limit.explain);
      assert.equal(spec.defaultValue, DEFAULT_SAMPLING[name as keyof typeof SAMPLING_LIMITS]);
    }
    assert.equal(specs['sampling.strategy']!.kind, 'choice');
    assert.equal(specs['sampling.seed']!.kind, 'seed');
    assert.ok(specs['inline.maxWords'], 'extra settings from the manifest are included');
    assert.ok(!specs['continue.lines'], 'settings the manifest does not declare are not');
  });

  it('settingValueProblem is exact: no clamping, no coercion', () => {
    const t = specs['sampling.temperature']!;
    assert.equal(settingValueProblem(t, 0.05), null);
    assert.equal(settingValueProblem(t, 2), null);
    assert.ok(settingValueProblem(t, 2.0001));
    assert.ok(settingValueProblem(t, '1'));
    assert.ok(settingValueProblem(specs['sampling.topK']!, 1.5), 'whole numbers only');
    assert.equal(settingValueProblem(specs['sampling.seed']!, null), null);
    assert.ok(settingValueProblem(specs['sampling.seed']!, SEED_MAX + 1));
    assert.ok(settingValueProblem(specs['sampling.seed']!, -1));
    assert.ok(settingValueProblem(specs['sampling.strategy']!, 'creative'));
  });
});

describe('validatePanelMessage', () => {
  it('accepts every well-formed message', () => {
    assert.deepEqual(ok({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(ok({ type: 'setSetting', key: 'sampling.temperature', value: 1.3, scope: 'user' }), { type: 'setSetting', key: 'sampling.temperature', value: 1.3, scope: 'user' });
    ok({ type: 'setSetting', key: 'sampling.seed', value: null, scope: 'workspace' });
    ok({ type: 'setSetting', key: 'sampling.strategy', value: 'beam', scope: 'user' });
    ok({ type: 'setSetting', key: 'model.dtype', value: 'q8', scope: 'user' });
    ok({ type: 'setSetting', key: 'inline.maxWords', value: 80, scope: 'user' });
    ok({ type: 'resetSetting', key: 'sampling.topP', scope: 'user' });
    ok({ type: 'applyPreset', name: 'Wild', scope: 'user' });
    ok({ type: 'savePreset', name: 'Mine', scope: 'workspace' });
    ok({ type: 'renamePreset', from: 'Mine', to: 'Ours' });
    ok({ type: 'deletePreset', name: 'Ours' });
    ok({ type: 'setModel', path: '' });
    ok({ type: 'chooseModelFolder' });
    ok({ type: 'stopTry' });
    ok({ type: 'openSettingsJson', scope: 'user' });
    assert.deepEqual(ok({ type: 'tryIt', sampling: trySampling, compare: null }), { type: 'tryIt', sampling: trySampling, compare: null });
    assert.deepEqual((ok({ type: 'tryIt', sampling: trySampling, compare: [CURRENT_SETTINGS, 'Wild'] }) as { compare: unknown }).compare, [CURRENT_SETTINGS, 'Wild']);
  });

  it('returns only the known fields', () => {
    assert.deepEqual(ok({ type: 'deletePreset', name: 'X', evil: '__proto__' }), { type: 'deletePreset', name: 'X' });
  });

  it('rejects what is not a message', () => {
    for (const raw of [null, undefined, 0, 'ready', [], [{ type: 'ready' }], true]) rejected(raw, /object/);
  });

  it('rejects unknown and missing types', () => {
    rejected({ type: 'runCommand', command: 'workbench.action.closeWindow' }, /unknown message type "runCommand"/);
    rejected({ type: 'READY' }, /unknown/);
    rejected({}, /unknown/);
    rejected({ type: 42 }, /unknown/);
  });

  it('rejects unknown settings, even inkling ones the panel does not own', () => {
    rejected({ type: 'setSetting', key: 'model.path', value: '/etc', scope: 'user' }, /unknown setting/);
    rejected({ type: 'setSetting', key: 'sampling.stopStrings', value: [], scope: 'user' }, /unknown setting/);
    rejected({ type: 'setSetting', key: '__proto__', value: 1, scope: 'user' }, /unknown setting/);
    rejected({ type: 'setSetting', key: 'continue.lines', value: 2, scope: 'user' }, /unknown setting/);
    rejected({ type: 'resetSetting', key: 'constructor', scope: 'user' }, /unknown setting/);
  });

  it('rejects NaN, infinities, huge numbers, wrong types and fractions where whole numbers go', () => {
    const set = (key: string, value: unknown) => ({ type: 'setSetting', key, value, scope: 'user' });
    rejected(set('sampling.temperature', Number.NaN), /number/);
    rejected(set('sampling.temperature', Number.POSITIVE_INFINITY), /number/);
    rejected(set('sampling.temperature', 1e308), /between/);
    rejected(set('sampling.temperature', -1), /between/);
    rejected(set('sampling.temperature', '0.9'), /number/);
    rejected(set('sampling.temperature', null), /number/);
    rejected(set('sampling.temperature', undefined), /number/);
    rejected(set('sampling.maxNewTokens', 1e9), /between/);
    rejected(set('sampling.topK', 2.5), /whole/);
    rejected(set('sampling.seed', 1.5), /whole number/);
    rejected(set('sampling.seed', 2 ** 40), /whole number/);
    rejected(set('sampling.strategy', 'Sample'), /one of/);
    rejected(set('model.dtype', 'fp16'), /one of/);
    rejected(set('inline.maxWords', 81), /between/);
  });

  it('rejects a missing or wrong scope', () => {
    rejected({ type: 'setSetting', key: 'sampling.temperature', value: 1 }, /scope/);
    rejected({ type: 'setSetting', key: 'sampling.temperature', value: 1, scope: 'folder' }, /scope/);
    rejected({ type: 'applyPreset', name: 'Wild', scope: 'global' }, /scope/);
    rejected({ type: 'openSettingsJson' }, /scope/);
  });

  it('rejects bad names and paths', () => {
    rejected({ type: 'applyPreset', name: '', scope: 'user' }, /name/);
    rejected({ type: 'savePreset', name: 7, scope: 'user' }, /name/);
    rejected({ type: 'savePreset', name: 'x'.repeat(201), scope: 'user' }, /name/);
    rejected({ type: 'renamePreset', from: 'a' }, /from and to/);
    rejected({ type: 'deletePreset' }, /name/);
    rejected({ type: 'setModel', path: 5 }, /path/);
    rejected({ type: 'setModel', path: 'x'.repeat(5000) }, /path/);
  });

  it('rejects "Try it" with incomplete, extra or out-of-range settings and a bad comparison', () => {
    const { temperature: _t, ...missing } = trySampling;
    rejected({ type: 'tryIt', sampling: missing, compare: null }, /temperature/);
    rejected({ type: 'tryIt', sampling: { ...trySampling, temperature: Number.NaN }, compare: null }, /temperature must be a number/);
    rejected({ type: 'tryIt', sampling: { ...trySampling, maxNewTokens: 1e6 }, compare: null }, /maxNewTokens/);
    rejected({ type: 'tryIt', sampling: { ...trySampling, stopStrings: ['x'] }, compare: null }, /unknown sampling settings: stopStrings/);
    rejected({ type: 'tryIt', sampling: 'hot', compare: null }, /object/);
    rejected({ type: 'tryIt', sampling: trySampling, compare: ['Wild'] }, /two preset names/);
    rejected({ type: 'tryIt', sampling: trySampling, compare: ['Wild', 3] }, /two preset names/);
    rejected({ type: 'tryIt', sampling: trySampling, compare: 'Wild' }, /two preset names/);
  });
});

describe('extraSettingsFromManifest', () => {
  it('reads words per suggestion (and lines per continuation, when declared) from the real package.json', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { minimum?: number; maximum?: number; default?: number }> } } };
    const extra = extraSettingsFromManifest(manifest);
    const props = manifest.contributes.configuration.properties;
    const words = extra.find((e) => e.key === 'inline.maxWords');
    assert.ok(words);
    assert.equal(words.min, props['inkling.inline.maxWords']!.minimum);
    assert.equal(words.max, props['inkling.inline.maxWords']!.maximum);
    assert.equal(words.defaultValue, props['inkling.inline.maxWords']!.default);
    assert.ok(words.explain.length > 10 && !/[`*\n]/.test(words.explain));
    assert.equal(Boolean(extra.find((e) => e.key === 'continue.lines')), 'inkling.continue.lines' in props);
  });

  it('leaves out settings without limits and survives odd manifests', () => {
    const declared = { contributes: { configuration: [{ properties: { 'inkling.inline.maxWords': { type: 'integer', default: 5 } } }, { properties: { 'inkling.continue.lines': { type: 'integer', minimum: 0, maximum: 9, default: 2, description: 'Lines.' } } }] } };
    assert.deepEqual(extraSettingsFromManifest(declared).map((e) => e.key), ['continue.lines']);
    for (const odd of [null, undefined, 3, {}, { contributes: null }, { contributes: { configuration: 'x' } }]) assert.deepEqual(extraSettingsFromManifest(odd), []);
  });
});
