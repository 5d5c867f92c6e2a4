/**
 * Turns generated token ids into text the way the writer will see it appended to the prompt.
 * Decoding the new ids alone would drop the leading space SentencePiece tokenizers encode in
 * the first piece, so each decode carries a few prompt tokens as context and strips their text.
 * A trailing replacement character (half of a multi-byte character) is held back until the
 * rest of it arrives.
 */
export class TextStream {
  private readonly contextText: string;
  private emitted = '';

  constructor(
    private readonly decode: (ids: readonly number[]) => string,
    private readonly context: readonly number[],
  ) {
    this.contextText = context.length ? decode(context) : '';
  }

  /** The full text of `generated`, as a continuation of the context. */
  textOf(generated: readonly number[]): string {
    if (generated.length === 0) return '';
    const full = this.decode([...this.context, ...generated]);
    return full.startsWith(this.contextText) ? full.slice(this.contextText.length) : this.decode(generated);
  }

  /** New stable text since the last call (may be empty). */
  push(generated: readonly number[]): string {
    let text = this.textOf(generated);
    while (text.endsWith('\uFFFD')) text = text.slice(0, -1);
    if (!text.startsWith(this.emitted)) {
      // A later token re-spelled earlier text (rare with byte fallback); emit nothing new.
      return '';
    }
    const delta = text.slice(this.emitted.length);
    this.emitted = text;
    return delta;
  }
}

/**
 * Where the earliest stop string starts in `text`, searching only from `from` on
 * (earlier text was already checked); -1 if none.
 */
export function findStop(text: string, stops: readonly string[], from = 0): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
