// Ghost-text settings come from settings.json, where any JSON value can sit: every unusable one
// falls back to its default (the status bar once failed on `"inkling.inline.languages": null`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_INLINE_SETTINGS, validateInlineSettings } from '../../../src/writing/settings/inlineSettings';

describe('ghost-text settings', () => {
  it('keeps well-formed values', () => {
    assert.deepEqual(validateInlineSettings({ enabled: false, languages: ['markdown', 'latex'], maxWords: 20 }), { enabled: false, languages: ['markdown', 'latex'], maxWords: 20 });
  });

  it('falls back to the defaults for missing, null and mistyped values', () => {
    assert.deepEqual(validateInlineSettings({}), DEFAULT_INLINE_SETTINGS);
    assert.deepEqual(validateInlineSettings({ enabled: null, languages: null, maxWords: null }), DEFAULT_INLINE_SETTINGS);
    assert.deepEqual(validateInlineSettings({ enabled: 'yes', languages: 'markdown', maxWords: '12' }), DEFAULT_INLINE_SETTINGS);
  });

  it('drops non-string, blank and repeated language ids; clamps the word budget', () => {
    assert.deepEqual(validateInlineSettings({ languages: ['markdown', 3, null, ' ', ' plaintext ', 'markdown'] }).languages, ['markdown', 'plaintext']);
    assert.deepEqual(validateInlineSettings({ languages: [] }).languages, [], 'an empty list turns ghost text off everywhere');
    assert.equal(validateInlineSettings({ maxWords: 0 }).maxWords, 1);
    assert.equal(validateInlineSettings({ maxWords: 1e9 }).maxWords, 80);
    assert.equal(validateInlineSettings({ maxWords: Number.NaN }).maxWords, 12);
    assert.equal(validateInlineSettings({ maxWords: 7.6 }).maxWords, 8);
  });
});
