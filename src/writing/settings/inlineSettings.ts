/**
 * Ghost-text settings (`inkling.inline.*`) as read from settings.json, where a writer (or a
 * broken sync) can leave any JSON value: anything unusable falls back to the default rather
 * than failing every keystroke.
 */

import { msg } from '../../common/message';
export interface InlineSettings {
  enabled: boolean;
  /** Language ids that get ghost text. */
  languages: string[];
  /** Prose suggestions stop after about this many words. */
  maxWords: number;
}

export const DEFAULT_INLINE_SETTINGS: InlineSettings = { enabled: true, languages: ['markdown', 'plaintext'], maxWords: 12 };
export const MAX_WORDS_LIMITS = { min: 1, max: 80 } as const;

export interface RawInlineSettings {
  enabled?: unknown;
  languages?: unknown;
  maxWords?: unknown;
}

export function validateInlineSettings(raw: RawInlineSettings): InlineSettings {
  return checkInlineSettings(raw).settings;
}

/**
 * The settings, and one line for each value that could not be used as written (a writer who sets
 * `inkling.inline.languages` to `42` is told once that the default list is used instead).
 */
export function checkInlineSettings(raw: RawInlineSettings): { settings: InlineSettings; problems: string[] } {
  const problems: string[] = [];
  let enabled = DEFAULT_INLINE_SETTINGS.enabled;
  if (typeof raw.enabled === 'boolean') enabled = raw.enabled;
  else if (raw.enabled !== undefined && raw.enabled !== null) problems.push(msg('inkling.inline.enabled must be true or false, not {0}; using {1}.', show(raw.enabled), enabled));
  let languages = [...DEFAULT_INLINE_SETTINGS.languages];
  if (Array.isArray(raw.languages)) {
    const names = raw.languages.filter((l): l is string => typeof l === 'string').map((l) => l.trim()).filter(Boolean);
    if (names.length !== raw.languages.length) problems.push(msg('inkling.inline.languages must list language ids such as "markdown"; ignored {0} other value(s).', raw.languages.length - names.length));
    languages = [...new Set(names)];
  } else if (raw.languages !== undefined && raw.languages !== null) {
    problems.push(msg('inkling.inline.languages must be a list of language ids such as ["markdown", "plaintext"], not {0}; using {1}.', show(raw.languages), JSON.stringify(languages)));
  }
  let words = DEFAULT_INLINE_SETTINGS.maxWords;
  if (typeof raw.maxWords === 'number' && Number.isFinite(raw.maxWords)) {
    words = Math.round(raw.maxWords);
    if (words < MAX_WORDS_LIMITS.min || words > MAX_WORDS_LIMITS.max) {
      const clamped = Math.min(MAX_WORDS_LIMITS.max, Math.max(MAX_WORDS_LIMITS.min, words));
      problems.push(msg('inkling.inline.maxWords {0} is outside {1}–{2}; using {3}.', raw.maxWords, MAX_WORDS_LIMITS.min, MAX_WORDS_LIMITS.max, clamped));
      words = clamped;
    }
  } else if (raw.maxWords !== undefined && raw.maxWords !== null) {
    problems.push(msg('inkling.inline.maxWords must be a number from {0} to {1}, not {2}; using {3}.', MAX_WORDS_LIMITS.min, MAX_WORDS_LIMITS.max, show(raw.maxWords), words));
  }
  return { settings: { enabled, languages, maxWords: words }, problems };
}

function show(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 60);
}
