/**
 * Banned phrases: where a phrase the writer never wants to read appears in generated text, and
 * how much of a text in progress is safe to show (the rest may yet become a banned phrase).
 *
 * A phrase matches case-insensitively, as whole words (not inside a longer word), with any run
 * of white space where the phrase has a space. Pure: the worker and the server engine use it.
 */

export interface BannedMatch {
  /** Where the phrase starts in the text. */
  start: number;
  end: number;
  phrase: string;
}

const WORD = /[\p{L}\p{N}\p{M}'’]/u;

export class BannedPhrases {
  private readonly completed: RegExp | null;
  private readonly normalised: string[];

  constructor(phrases: readonly string[]) {
    this.normalised = [...new Set(phrases.map(normalise).filter((p) => p.length > 0))];
    if (this.normalised.length === 0) {
      this.completed = null;
      return;
    }
    // Longest first, so that "the weight of the world" wins over "the weight".
    const body = [...this.normalised]
      .sort((a, b) => b.length - a.length)
      .map((p) => p.split(' ').map(escape).join('\\s+'))
      .join('|');
    this.completed = new RegExp(`(?<![\\p{L}\\p{N}\\p{M}'’])(?:${body})(?![\\p{L}\\p{N}\\p{M}])`, 'giu');
  }

  get empty(): boolean {
    return this.completed === null;
  }

  get phrases(): readonly string[] {
    return this.normalised;
  }

  /**
   * The earliest banned phrase in `text`. While more text may follow (`final` false), a phrase
   * at the very end is not yet a match: "a testament to" may still become "a testament tower".
   */
  find(text: string, final: boolean): BannedMatch | null {
    if (!this.completed) return null;
    const re: RegExp = this.completed;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (!final && end === text.length) {
        // Not yet decided; a shorter phrase inside the same span cannot start earlier, so stop.
        return null;
      }
      return { start: m.index, end, phrase: normalise(m[0]) };
    }
    return null;
  }

  /**
   * How much of `text` may be shown now: everything before the earliest word that, with what
   * follows it, could still grow into a banned phrase (or is one awaiting its next character).
   */
  safeLength(text: string): number {
    if (!this.completed) return text.length;
    const longest = Math.max(...this.normalised.map((p) => p.length));
    // A prefix of a phrase with stretched white space can be longer than the phrase; allow for it.
    const from = Math.max(0, text.length - longest * 4);
    for (let i = from; i < text.length; i++) {
      if (i > 0 && WORD.test(text[i - 1]!)) continue;
      if (!WORD.test(text[i]!)) continue;
      const tail = normalisePrefix(text.slice(i));
      if (this.normalised.some((p) => p.startsWith(tail))) return i;
    }
    return text.length;
  }
}

/** Lower case, single spaces, no outer white space: the form phrases are compared in. */
export function normalise(phrase: string): string {
  return phrase.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Like `normalise`, but a trailing blank stays (a word just ended). */
function normalisePrefix(text: string): string {
  return text.replace(/^\s+/, '').replace(/\s+/g, ' ').toLowerCase();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
