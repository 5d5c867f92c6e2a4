import { CJK_LINE_END } from '../../verse/chinese/cjkText';
import { sentenceEnds } from '../text/sentenceEnd';

/**
 * Where a suggestion ends. `line`: the end of the line the cursor is in. `next-line`: the end of
 * the next full line (the cursor is at a line start). `clause`: the end of a CJK verse line,
 * which may be a clause mark (，。！？；) rather than a newline. `sentence`: the end of the
 * sentence, the paragraph, or the word budget, whichever comes first.
 */
export type StopMode = 'line' | 'next-line' | 'clause' | 'sentence';

/**
 * A stop rule as plain data, so it can cross to the worker: the engine stops at any of
 * `stopStrings` (cutting before it) or after `maxTokens`; `trimToStop` then applies the parts
 * the engine cannot (sentence ends, word budgets, clause marks).
 */
export interface StopRule {
  mode: StopMode;
  stopStrings: string[];
  maxTokens: number;
  /** Prose only: the most words a suggestion may have. */
  maxWords: number | null;
}

export interface StopRuleInput {
  kind: 'verse' | 'prose';
  /** Text before the cursor (only its end is looked at). */
  before: string;
  /** CJK text: verse lines end at clause marks too. */
  cjk?: boolean;
  /** Typical line length in syllables (characters for CJK), to size the token limit for verse. */
  targetLength?: number | null;
  /** Prose word budget (default 20). */
  maxWords?: number;
  /** Prose written one paragraph per line (soft-wrapped): a newline ends the paragraph. */
  unwrapped?: boolean;
}

const DEFAULT_WORDS = 20;
const DEFAULT_SYLLABLES = 10;
const MAX_TOKENS = 96;

/** The stop rule for a suggestion at the end of `before`, by the form of the text. */
export function stopRuleFor(input: StopRuleInput): StopRule {
  const atLineStart = input.before === '' || /\n[ \t]*$/.test(input.before);
  if (input.kind === 'verse') {
    const target = input.targetLength && input.targetLength > 0 ? input.targetLength : DEFAULT_SYLLABLES;
    // About one token per English syllable and up to two per CJK character, with room for
    // punctuation and a line longer than usual; the limit is a ceiling, the newline the stop.
    const maxTokens = Math.min(MAX_TOKENS, Math.ceil(target * (input.cjk ? 2 : 1.5)) + 8);
    if (input.cjk) return { mode: 'clause', stopStrings: ['\n'], maxTokens, maxWords: null };
    return { mode: atLineStart ? 'next-line' : 'line', stopStrings: ['\n'], maxTokens, maxWords: null };
  }
  const maxWords = Math.max(1, Math.round(input.maxWords ?? DEFAULT_WORDS));
  return {
    mode: 'sentence',
    stopStrings: input.unwrapped ? ['\n'] : ['\n\n'],
    maxTokens: Math.min(MAX_TOKENS * 2, Math.ceil(maxWords * 1.6) + 8),
    maxWords,
  };
}


/**
 * Applies a stop rule to generated text: cuts it at the rule's end (the end of the line or
 * clause, of the sentence, or after the word budget). The engine already stopped at the rule's
 * stop strings; this also covers text that came from elsewhere (a cache, the CLI).
 */
export function trimToStop(rule: StopRule, text: string): string {
  let out = cutAtFirst(text, rule.stopStrings);
  switch (rule.mode) {
    case 'line':
    case 'next-line':
      return cutAtFirst(out, ['\n', '\r']);
    case 'clause': {
      out = cutAtFirst(out, ['\n', '\r']);
      const mark = out.search(CJK_LINE_END);
      if (mark < 0) return out;
      let end = mark + 1;
      while (end < out.length && /[」』\u201D\u2019）)\]】》〉]/.test(out[end])) end++;
      return out.slice(0, end);
    }
    case 'sentence':
      return cutSentence(out, rule.maxWords ?? DEFAULT_WORDS);
  }
}

function cutAtFirst(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    if (!stop) continue;
    const i = text.indexOf(stop);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

const CJK_BEFORE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u;
const CJK_MARK = /[\u3000-\u303f\uff00-\uffef]/;

/** Cut after the first sentence end that follows a word, or after `maxWords` words. */
function cutSentence(text: string, maxWords: number): string {
  let sentenceEnd = -1;
  for (const end of sentenceEnds(text)) {
    // A mark before any word ends no sentence of the suggestion's.
    if (!/[\p{L}\p{N}]/u.test(text.slice(0, end))) continue;
    sentenceEnd = end;
    break;
  }
  let wordEnd = -1;
  // A CJK character is a word of its own: Chinese has no spaces to count by.
  const words = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
  for (let count = 0, m = words.exec(text); m; m = words.exec(text)) {
    // A mark among CJK characters (，、——) is no word; elsewhere a lone dash still counts, as it always has.
    if (!/[\p{L}\p{N}]/u.test(m[0]) && (CJK_BEFORE.test(text.slice(0, m.index)) || CJK_MARK.test(m[0]))) continue;
    if (++count === maxWords) {
      wordEnd = m.index + m[0].length;
      break;
    }
  }
  const ends = [sentenceEnd, wordEnd].filter((e) => e >= 0);
  return ends.length ? text.slice(0, Math.min(...ends)) : text;
}
