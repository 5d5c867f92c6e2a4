// Every inkling.* setting set to random JSON values (null, strings, huge numbers, nested objects),
// and random messages from the sampling panel: the validators never throw and always hand back
// settings within their limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachCase } from '../../support/fuzz';
import { SAMPLING_LIMITS, validateSampling } from '../../../src/writing/settings/samplingSettings';
import { checkInlineSettings, MAX_WORDS_LIMITS } from '../../../src/writing/settings/inlineSettings';
import { validateFormSettings } from '../../../src/writing/verse/lines/formRequest';
import { checkServerSettings, checkServerUrl } from '../../../src/writing/settings/serverSettings';
import { panelSettingSpecs, validatePanelMessage } from '../../../src/writing/settings/panelProtocol';
import { validateUserPresets } from '../../../src/writing/settings/samplingPresets';

describe('settings and panel messages, fuzzed', () => {
  it('sampling settings: any JSON gives settings within their limits', () => {
    forEachCase('validateSampling', (f) => {
      const raw = f.next() < 0.3 ? f.json() : Object.fromEntries(Object.keys({ ...SAMPLING_LIMITS, strategy: 1, seed: 1, stopStrings: 1 }).map((k) => [k, f.json(1)]));
      const { settings, problems } = validateSampling(raw);
      for (const [key, limit] of Object.entries(SAMPLING_LIMITS)) {
        const v = settings[key as keyof typeof SAMPLING_LIMITS];
        assert.ok(Number.isFinite(v) && v >= limit.min && v <= limit.max, `${key} = ${v}`);
      }
      assert.ok(['sample', 'greedy', 'beam'].includes(settings.strategy));
      assert.ok(settings.seed === null || (Number.isInteger(settings.seed) && settings.seed >= 0));
      assert.ok(Array.isArray(settings.stopStrings) && settings.stopStrings.every((s) => typeof s === 'string' && s.length > 0));
      assert.ok(problems.every((p) => typeof p.message === 'string'));
    });
  });

  it('ghost-text, form and server settings: any JSON is used or reported, never thrown', () => {
    forEachCase('other settings', (f) => {
      const inline = checkInlineSettings({ enabled: f.json(1), languages: f.json(2), maxWords: f.json(1) });
      assert.equal(typeof inline.settings.enabled, 'boolean');
      assert.ok(inline.settings.languages.every((l) => typeof l === 'string' && l.length > 0));
      assert.ok(inline.settings.maxWords >= MAX_WORDS_LIMITS.min && inline.settings.maxWords <= MAX_WORDS_LIMITS.max);
      const form = validateFormSettings({ mode: f.json(1), rhyme: f.json(1) });
      assert.ok(['auto', 'keep', 'free'].includes(form.mode) && ['off', 'followScheme'].includes(form.rhyme));
      const allowedHosts = f.json(2);
      const server = checkServerSettings({ engine: f.pick(['server', 'local', f.json(1)]), url: f.pick([f.json(1), 'http://127.0.0.1:8080', 'http://10.1.2.3:8080', f.text(30)]), kind: f.json(1), model: f.json(1), allowedHosts });
      if (server.engine === 'server' && 'server' in server && server.server) {
        assert.match(server.server.url, /^https?:\/\/[^/?#@]+(\/[^?#]*)?$/);
        const host = new URL(server.server.url).hostname.toLowerCase();
        const allowed = Array.isArray(allowedHosts) && allowedHosts.some((h) => typeof h === 'string' && h.trim().toLowerCase() === host);
        assert.ok(server.server.url.startsWith('https:') || /^(localhost|127\.|\[::1\])/.test(host) || allowed, `plain http only to loopback or an allowed host: ${server.server.url}`);
      }
      const url = checkServerUrl(f.text(60));
      if (url.ok) assert.ok(!/[@?#]/.test(url.url.replace(/^https?:\/\//, '')), url.url);
      const presets = validateUserPresets(f.json(3));
      assert.ok(Array.isArray(presets.presets));
    });
  });

  it('panel messages: anything that is not a well-formed request is refused with a reason', () => {
    const specs = panelSettingSpecs();
    forEachCase('validatePanelMessage', (f) => {
      const raw = f.next() < 0.5 ? f.json(4) : { type: f.pick(['ready', 'setSetting', 'resetSetting', 'applyPreset', 'savePreset', 'renamePreset', 'deletePreset', 'setModel', 'tryIt', 'stopTry', 'setScope', 'openSettingsJson', f.text(10)]), key: f.pick([...Object.keys(specs), f.text(12)]), value: f.json(2), scope: f.json(1), name: f.json(1), path: f.json(1) };
      const v = validatePanelMessage(raw, specs);
      if (v.ok) assert.equal(typeof v.message.type, 'string');
      else assert.ok(typeof v.reason === 'string' && v.reason.length > 0);
    });
  });
});
