import { isCjkText } from '../../verse/chinese/cjkText';
import { completionKey } from './completionCache';
import { cursorContext, type CursorContext, type QuietReason } from '../text/cursorContext';
import { trimOverlap } from './overlap';
import { analyzePoemForm } from '../../verse/poem/poemForm';
import { prefixWindow, type CountTokens, type PrefixWindow } from '../text/prefixWindow';
import { stopRuleFor, trimToStop, type StopRule } from './stopRules';
import { detectTextKind, type TextKindName } from '../text/textKind';

/**
 * How much text before the cursor a ghost-text prompt may take for Inkling's worker, in characters
 * (200–300 tokens). Every step of a suggestion re-reads the whole KV cache, and the small models a
 * writer's CPU runs do not use more. Measured on Inkling's own model (second edition, 512-token
 * context): over 240 next lines of held-out poems (`bench/ghostWindowBench.ts`), the poet's next
 * line cost 1.641 bits/byte after a 1,000-character window and 1.642 after 2,000 (paired
 * difference −0.001, 95 % interval −0.005 to +0.002; 500 characters: +0.006; on 120 lines of
 * Pride and Prejudice, which it was trained on, 1.682 vs 1.694); typing the sonnets
 * (`bench/modelPairBench.ts --prompt-chars`), one-line p50 14.9 → 10.2 ms, p95 33 → 27 ms.
 */
export const GHOST_PROMPT_CHARS = 1000;

/**
 * The window for a server: the bigger models writers run there may use more of the poem or the
 * chapter, and servers keep the prompt's prefix cached. Unmeasured here (no such model runs on
 * this machine), so it stays at what it was.
 */
export const SERVER_GHOST_PROMPT_CHARS = 2000;

/** The ghost-text window for the engine that writes: Inkling's worker, or a server. */
export function ghostPromptChars(engine: 'worker' | 'server'): number {
  return engine === 'server' ? SERVER_GHOST_PROMPT_CHARS : GHOST_PROMPT_CHARS;
}

export interface GhostRequestInput {
  /** The document, or the window of it around the cursor (see textWindow.ts). */
  text: string;
  /** Cursor offset in `text`. */
  offset: number;
  /** `text` starts where the document does (default true). */
  atDocumentStart?: boolean;
  /** The writer asked for a suggestion (rather than typing). */
  explicit: boolean;
  /** Prompt budget; in characters unless `countTokens` says otherwise. */
  maxPromptChars: number;
  /** Prose word budget for one suggestion. */
  maxWords?: number;
  /** Counts the prompt budget in tokens instead of characters. */
  countTokens?: CountTokens;
  /** Overrides the verse/prose decision. */
  kind?: TextKindName;
}

/** Everything the engine and the provider need for one ghost-text suggestion. */
export interface GhostRequestReady {
  ok: true;
  prompt: string;
  /** Identifies prompt and stop rule; add the sampling settings before caching by it. */
  cacheKey: string;
  stopStrings: string[];
  maxNewTokens: number;
  stop: StopRule;
  kind: TextKindName;
  window: PrefixWindow;
  /** Turns raw model text into the suggestion to show; '' means show nothing. */
  finish(generated: string): string;
}

export interface GhostRequestQuiet {
  ok: false;
  /** Why not: the cursor context, or nothing before the cursor to continue. */
  reason: QuietReason | 'empty';
  context: CursorContext;
}

export type GhostRequest = GhostRequestReady | GhostRequestQuiet;

/**
 * Builds the request for a ghost-text suggestion at a cursor, or says why there should be none.
 * The prompt is the window of text before the cursor (front matter left out), a trailing space
 * included: the engines then begin a new word; the stop rule follows the form (a verse
 * line, a prose sentence); `finish` trims the model's text to the rule and to what already
 * follows the cursor.
 */
export function buildGhostRequest(input: GhostRequestInput): GhostRequest {
  const offset = Math.max(0, Math.min(input.offset, input.text.length));
  const context = cursorContext(input.text, offset, input.explicit, input.atDocumentStart ?? true);
  if (!context.suggest) return { ok: false, reason: context.reason!, context };

  const before = input.text.slice(0, offset);
  const after = input.text.slice(offset);
  const window = prefixWindow(before, input.maxPromptChars, input.countTokens, input.atDocumentStart ?? true);
  // A trailing space stays: it asks the engine for a new word (see promptEnd.ts), and "word" and
  // "word " are different requests with different cache keys.
  const prompt = window.text;
  if (!prompt.trim()) return { ok: false, reason: 'empty', context };

  const detected = detectTextKind(window.text);
  const kind = input.kind ?? detected.kind;
  const cjk = isCjkText(window.text);
  const form = kind === 'verse' ? analyzePoemForm(window.text, { kind }) : null;
  const stop = stopRuleFor({
    kind,
    before: window.text,
    cjk,
    targetLength: form?.next.targetLength ?? form?.medianLineLength,
    maxWords: input.maxWords,
    unwrapped: detected.evidence.medianLength > 100,
  });
  const restOfLine = after.split('\n', 1)[0];
  return {
    ok: true,
    prompt,
    cacheKey: completionKey(prompt, stop),
    stopStrings: stop.stopStrings,
    maxNewTokens: stop.maxTokens,
    stop,
    kind,
    window,
    finish(generated: string): string {
      let text = trimOverlap(trimToStop(stop, generated), after, before);
      // A whole new verse line typed in front of an existing one must not run into it.
      if (text && stop.mode === 'next-line' && restOfLine.trim()) text = `${text.trimEnd()}\n`;
      return text;
    },
  };
}
