import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkInlineSettings, DEFAULT_INLINE_SETTINGS } from '../../../src/writing/settings/inlineSettings';

describe('ghost-text settings as written', () => {
  it('a language list that is not a list falls back to the default, and says so', () => {
    const { settings, problems } = checkInlineSettings({ languages: 42 });
    assert.deepEqual(settings.languages, DEFAULT_INLINE_SETTINGS.languages);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /inkling\.inline\.languages must be a list of language ids.*not 42; using \["markdown","plaintext"\]/);
  });

  it('stray values in the list are dropped, and that is said', () => {
    const { settings, problems } = checkInlineSettings({ languages: ['markdown', 7, null, ' latex '] });
    assert.deepEqual(settings.languages, ['markdown', 'latex']);
    assert.match(problems[0]!, /ignored 2 other value/);
  });

  it('unset values (undefined or null) are the defaults, silently; good values raise nothing', () => {
    assert.deepEqual(checkInlineSettings({}), { settings: DEFAULT_INLINE_SETTINGS, problems: [] });
    assert.deepEqual(checkInlineSettings({ enabled: null, languages: null, maxWords: null }).problems, []);
    assert.deepEqual(checkInlineSettings({ enabled: false, languages: ['plaintext'], maxWords: 20 }), { settings: { enabled: false, languages: ['plaintext'], maxWords: 20 }, problems: [] });
  });

  it('a mistyped switch and an out-of-range word count are reported', () => {
    const { settings, problems } = checkInlineSettings({ enabled: 'yes', maxWords: 500 });
    assert.equal(settings.enabled, true);
    assert.equal(settings.maxWords, 80);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /inline\.enabled must be true or false/);
    assert.match(problems.join('\n'), /maxWords 500 is outside 1–80; using 80/);
  });
});
