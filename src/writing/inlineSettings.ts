/**
 * Ghost-text settings (`inkling.inline.*`) as read from settings.json, where a writer (or a
 * broken sync) can leave any JSON value: anything unusable falls back to the default rather
 * than failing every keystroke.
 */
export interface InlineSettings {
  enabled: boolean;
  /** Language ids that get ghost text. */
  languages: string[];
  /** Prose suggestions stop after about this many words. */
  maxWords: number;
}

export const DEFAULT_INLINE_SETTINGS: InlineSettings = { enabled: true, languages: ['markdown', 'plaintext'], maxWords: 12 };
export const MAX_WORDS_LIMITS = { min: 1, max: 80 } as const;

export function validateInlineSettings(raw: { enabled?: unknown; languages?: unknown; maxWords?: unknown }): InlineSettings {
  const enabled = typeof raw.enabled === 'boolean' ? raw.enabled : DEFAULT_INLINE_SETTINGS.enabled;
  const languages = Array.isArray(raw.languages)
    ? [...new Set(raw.languages.filter((l): l is string => typeof l === 'string').map((l) => l.trim()).filter(Boolean))]
    : [...DEFAULT_INLINE_SETTINGS.languages];
  const words = typeof raw.maxWords === 'number' && Number.isFinite(raw.maxWords) ? Math.round(raw.maxWords) : DEFAULT_INLINE_SETTINGS.maxWords;
  return { enabled, languages, maxWords: Math.min(MAX_WORDS_LIMITS.max, Math.max(MAX_WORDS_LIMITS.min, words)) };
}
